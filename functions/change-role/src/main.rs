//! `change-role`: wires [`roster::http::routes::change_role`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::change_role::handle).await
}
