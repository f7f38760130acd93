//! `list-tokens`: wires [`roster::http::routes::list_tokens`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::list_tokens::handle).await
}
