//! `list-members`: wires [`roster::http::routes::list_members`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::list_members::handle).await
}
