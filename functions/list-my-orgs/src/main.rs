//! `list-my-orgs`: wires [`roster::http::routes::list_my_orgs`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::list_my_orgs::handle).await
}
