//! `revoke-token`: wires [`roster::http::routes::revoke_token`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::revoke_token::handle).await
}
