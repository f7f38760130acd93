//! `sweep`: scheduled every 15 minutes. Runs [`crate::ops::sweep`] (mail
//! retries, expired invitations), then resumes import jobs that stalled (see
//! `import_worker`).

use crate::App;
use crate::error_chain::ErrorChain;
use crate::events::import_worker;
use crate::ops::imports::run::resume_stalled;
use crate::ops::sweep::{SweepReport, sweep};
use lambda_runtime::LambdaEvent;
use std::sync::Arc;

#[tracing::instrument(name = "run", skip_all, fields(op = "sweep"))]
pub async fn handle(
    app: Arc<App>,
    event: LambdaEvent<serde_json::Value>,
) -> Result<SweepReport, lambda_runtime::Error> {
    let deadline = import_worker::deadline_from_epoch_ms(event.context.deadline);
    // Boxed: the sweep's future nests deep enough (run, deliver, send, each
    // store call) to overflow rustc's layout query depth in the binary.
    let mut report = Box::pin(sweep(&app)).await.inspect_err(|err| {
        tracing::error!(error = %ErrorChain(err), "sweep failed");
    })?;
    report.imports_resumed = resume_stalled(&app, deadline)
        .await
        .inspect_err(|err| tracing::error!(error = %ErrorChain(err), "resuming imports failed"))?;
    tracing::info!(?report, "sweep done");
    Ok(report)
}
