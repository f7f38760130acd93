//! `get-import`: wires [`roster::http::routes::get_import`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::get_import::handle).await
}
