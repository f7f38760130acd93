//! `console`: wires [`roster_console`] (the web console's pages, assets and
//! local dev sign-in) to the Lambda runtime.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    roster_console::serve().await
}
