//! `scim`: wires [`roster::http::routes::scim`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::scim::handle).await
}
