//! `publish-events`: fed by the table's stream (filtered to new audit
//! entries). The batch's entries become events on the org's feed, on the
//! bus and in webhook deliveries ([`crate::ops::events::publish`]). A batch
//! that fails is reported from its first record, so Lambda runs it again;
//! what the first run finished, the second skips.

use crate::App;
use crate::error_chain::ErrorChain;
use crate::events::{BatchAnswer, StreamBatch, retry_from};
use crate::ops::events::publish::{Entry, publish};
use crate::store::{Item, audit};
use aws_lambda_events::event::dynamodb::EventRecord;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use std::sync::Arc;

pub async fn handle(app: Arc<App>, batch: StreamBatch) -> BatchAnswer {
    Ok(publish_records(&app, batch.payload.records).await)
}

pub async fn publish_records(app: &App, records: Vec<EventRecord>) -> DynamoDbEventResponse {
    if records.is_empty() {
        return retry_from(None);
    }
    let mut entries = Vec::new();
    for record in records.iter().filter(|r| r.event_name == "INSERT") {
        let image: Item = record.change.new_image.clone().into();
        match audit::from_stream_image(&image) {
            None => {}
            Some(Ok((org, audit_id, entry))) => entries.push(Entry {
                org,
                audit_id,
                entry,
            }),
            // A malformed entry will never become an event: log and move on.
            Some(Err(err)) => {
                tracing::error!(error = %ErrorChain(&err), event_id = %record.event_id, "audit record unreadable, skipped")
            }
        }
    }
    match Box::pin(publish(app, &entries)).await {
        Ok(report) => tracing::info!(
            entries = entries.len(),
            events = report.events,
            already_published = report.already_published,
            deliveries_queued = report.deliveries_queued,
            "events published"
        ),
        Err(err) => {
            tracing::warn!(error = %ErrorChain(&err), "events batch failed, will be retried");
            // The batch is published as one: all of it again.
            return retry_from(records.first());
        }
    }
    retry_from(None)
}
