//! `publish-events`: wires [`roster::events::publish_events`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    roster::runtime::serve_event(roster::events::publish_events::handle).await
}
