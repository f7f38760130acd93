//! `get-org`: wires [`roster::http::routes::get_org`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::get_org::handle).await
}
