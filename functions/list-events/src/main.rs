//! `list-events`: wires [`roster::http::routes::list_events`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::list_events::handle).await
}
