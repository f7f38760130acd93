//! `update-org`: wires [`roster::http::routes::update_org`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::update_org::handle).await
}
