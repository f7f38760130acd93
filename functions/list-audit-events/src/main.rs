//! `list-audit-events`: wires [`roster::http::routes::list_audit_events`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::list_audit_events::handle).await
}
