//! `clear-suppression`: wires [`roster::http::routes::clear_suppression`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::clear_suppression::handle).await
}
