//! `revoke-api-key`: wires [`roster::http::routes::revoke_api_key`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::revoke_api_key::handle).await
}
