//! `deliver-webhooks`: wires [`roster::events::deliver_webhooks`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    roster::runtime::serve_event(roster::events::deliver_webhooks::handle).await
}
