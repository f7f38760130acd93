//! `join-org`: wires [`roster::http::routes::join_org`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::join_org::handle).await
}
