//! `list-api-keys`: wires [`roster::http::routes::list_api_keys`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::list_api_keys::handle).await
}
