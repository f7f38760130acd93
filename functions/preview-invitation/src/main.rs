//! `preview-invitation`: wires [`roster::http::routes::preview_invitation`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::preview_invitation::handle).await
}
