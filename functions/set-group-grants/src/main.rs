//! `set-group-grants`: wires [`roster::http::routes::set_group_grants`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::set_group_grants::handle).await
}
