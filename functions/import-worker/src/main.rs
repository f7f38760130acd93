//! `import-worker`: processes bulk import jobs, woken by the table's stream.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    roster::runtime::serve_event(roster::events::import_worker::handle).await
}
