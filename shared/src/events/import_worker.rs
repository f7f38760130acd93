//! `import-worker`: fed by the table's stream, filtered to import job items
//! whose new image has `wake = true` (a new job, or a worker's hand-off). Runs
//! each job until it finishes or the invocation's time is nearly up, then hands
//! it on. A job whose run failed for a reason worth retrying (DynamoDB
//! unavailable for long) is reported in the partial batch response, so Lambda
//! retries it; chunks commit once, so a retry resumes where the job stopped.

use crate::App;
use crate::domain::OrgSlug;
use crate::domain::import::ImportId;
use crate::error_chain::ErrorChain;
use crate::events::{BatchAnswer, StreamBatch, retry_from};
use crate::ops::imports::run::{RunImport, run_import};
use crate::store::Item;
use crate::store::attrs::get_s;
use crate::store::imports::wants_worker;
use aws_lambda_events::event::dynamodb::EventRecord;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tracing::Instrument;

/// Time kept back from the invocation's deadline (at most a quarter of the
/// time left): one chunk, paced and throttled, finishes well within it, and
/// the hand-off is written.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(30);

pub async fn handle(app: Arc<App>, batch: StreamBatch) -> BatchAnswer {
    let deadline = deadline_from_epoch_ms(batch.context.deadline);
    tracing::info!(
        budget_ms = deadline
            .saturating_duration_since(Instant::now())
            .as_millis() as u64,
        "import worker invoked"
    );
    Ok(run_records(&app, batch.payload.records, deadline).await)
}

/// The budget of a run whose invocation carries no usable deadline: `cargo
/// lambda watch` (make dev) passes one already past. Lambda's is the
/// function's timeout (300 s in the template).
pub const FALLBACK_BUDGET: Duration = Duration::from_secs(60);

/// When to stop starting chunks, given the invocation's deadline (epoch ms):
/// [`DEADLINE_MARGIN`] before it, or a quarter of the time left if that is less.
pub fn deadline_from_epoch_ms(deadline_ms: u64) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let left = Duration::from_millis(deadline_ms.saturating_sub(now_ms));
    if left < Duration::from_secs(1) {
        return Instant::now() + FALLBACK_BUDGET;
    }
    Instant::now() + left - DEADLINE_MARGIN.min(left / 4)
}

pub async fn run_records(
    app: &App,
    records: Vec<EventRecord>,
    deadline: Instant,
) -> DynamoDbEventResponse {
    for record in &records {
        let Some((org, id)) = job_of(record) else {
            continue;
        };
        let span = tracing::info_span!("record", op = "import-worker", event_id = %record.event_id, org = %org, job = %id);
        // Boxed: the job's future is deep, and the runtime's would overflow the layout query.
        let run = Box::pin(run_import(app, RunImport { org, id, deadline }))
            .instrument(span.clone())
            .await;
        let _in = span.enter();
        match run {
            Ok(report) => tracing::info!(?report, "import run"),
            Err(err) => {
                tracing::warn!(error = %ErrorChain(&err), "import run failed, will be retried");
                // Lambda retries from the first failure onwards; stop here.
                return retry_from(Some(record));
            }
        }
    }
    retry_from(None)
}

/// The job a record wakes a worker for, if any.
fn job_of(record: &EventRecord) -> Option<(OrgSlug, ImportId)> {
    if !matches!(record.event_name.as_str(), "INSERT" | "MODIFY") {
        return None;
    }
    let keys: Item = record.change.keys.clone().into();
    let image: Item = record.change.new_image.clone().into();
    if !wants_worker(&keys, &image) {
        return None;
    }
    let org = OrgSlug::parse(get_s(&image, "org").ok()?).ok()?;
    let id = ImportId::parse(get_s(&image, "id").ok()?).ok()?;
    Some((org, id))
}
