//! `remove-member`: wires [`roster::http::routes::remove_member`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::remove_member::handle).await
}
