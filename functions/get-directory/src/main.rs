//! `get-directory`: wires [`roster::http::routes::get_directory`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::get_directory::handle).await
}
