//! `authorize`: wires [`roster::authorizer`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    roster::runtime::serve_event(roster::authorizer::handle).await
}
