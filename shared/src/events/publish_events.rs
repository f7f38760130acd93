//! `publish-events`: fed by the table's stream (filtered to new audit
//! entries). The batch's entries become events on the org's feed, on the
//! bus and in webhook deliveries ([`crate::ops::events::publish`]). A batch
//! that fails is reported from its first record, so Lambda runs it again;
//! what the first run finished, the second skips.

use crate::App;
use crate::error_chain::ErrorChain;
use crate::ops::events::publish::{Entry, publish};
use crate::store::{Item, audit};
use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use lambda_runtime::LambdaEvent;
use std::sync::Arc;

pub async fn handle(
    app: Arc<App>,
    event: LambdaEvent<Event>,
) -> Result<DynamoDbEventResponse, lambda_runtime::Error> {
    Ok(publish_records(&app, event.payload.records).await)
}

pub async fn publish_records(
    app: &App,
    records: Vec<aws_lambda_events::event::dynamodb::EventRecord>,
) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    let Some(first) = records.first().map(|r| r.change.sequence_number.clone()) else {
        return response;
    };
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
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = first;
            response.batch_item_failures.push(failure);
        }
    }
    response
}
