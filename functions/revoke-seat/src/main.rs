//! `revoke-seat`: wires [`roster::http::routes::revoke_seat`] to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster::runtime::serve_http(roster::http::routes::revoke_seat::handle).await
}
