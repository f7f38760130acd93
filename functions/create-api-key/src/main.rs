//! `create-api-key`: wires [`roster::http::routes::create_api_key`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::create_api_key::handle).await
}
