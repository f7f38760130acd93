//! `sweep`: scheduled; retries failed or stuck mail and tidies expired invitations.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    roster::runtime::serve_event(roster::events::sweep::handle).await
}
