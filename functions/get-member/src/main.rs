//! `get-member`: wires [`roster::http::routes::get_member`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::get_member::handle).await
}
