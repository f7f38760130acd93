//! `mail-events`: records SES bounce and complaint events (from SNS) on invitations and suppressions.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    roster::runtime::serve_event(roster::events::mail_events::handle).await
}
