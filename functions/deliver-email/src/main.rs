//! `deliver-email`: sends outbox mail from the table's stream through SES v2.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    roster::runtime::serve_event(roster::events::deliver_email::handle).await
}
