//! `webhooks`: wires [`roster::http::routes::webhooks`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::webhooks::handle).await
}
