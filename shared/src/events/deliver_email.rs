//! `deliver-email`: fed by the table's stream (filtered to outbox inserts).
//! Each record is delivered on its own; a record that fails for a reason worth
//! retrying (DynamoDB unavailable) is reported in the partial batch response,
//! so Lambda retries from it without blocking on, or re-sending, the others
//! (their outbox claim makes a retry a no-op). Each record's log lines carry
//! its span: the operation, the stream event, the org and the outbox message.

use crate::App;
use crate::error_chain::ErrorChain;
use crate::events::{BatchAnswer, StreamBatch, retry_from};
use crate::ops::mail::deliver::deliver;
use crate::store::{Item, outbox};
use aws_lambda_events::event::dynamodb::EventRecord;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use std::sync::Arc;
use tracing::{Instrument, Span};

pub async fn handle(app: Arc<App>, batch: StreamBatch) -> BatchAnswer {
    Ok(deliver_records(&app, batch.payload.records).await)
}

pub async fn deliver_records(app: &App, records: Vec<EventRecord>) -> DynamoDbEventResponse {
    for record in &records {
        if record.event_name != "INSERT" || !is_outbox(record) {
            continue;
        }
        let span = record_span(record);
        let image: Item = record.change.new_image.clone().into();
        let result = match outbox::from_item(&image) {
            Ok(msg) => deliver(app, &msg)
                .instrument(with_message(&span, &msg))
                .await
                .map(|d| span.in_scope(|| tracing::info!(outcome = ?d, "outbox record handled"))),
            Err(err) => {
                // A malformed item will never become deliverable: log and move on.
                let _in = span.enter();
                tracing::error!(error = %ErrorChain(&err), "outbox record unreadable, skipped");
                Ok(())
            }
        };
        if let Err(err) = result {
            let _in = span.enter();
            tracing::warn!(error = %ErrorChain(&err), "outbox record failed, will be retried");
            // Lambda retries from the first failure onwards; stop here.
            return retry_from(Some(record));
        }
    }
    retry_from(None)
}

fn is_outbox(record: &EventRecord) -> bool {
    outbox::is_message_key(&record.change.keys.clone().into())
}

fn record_span(record: &EventRecord) -> Span {
    let empty = tracing::field::Empty;
    tracing::info_span!("record", op = "deliver-email", event_id = %record.event_id, org = empty, outbox_id = empty)
}

fn with_message(span: &Span, msg: &crate::domain::OutboxMessage) -> Span {
    span.record("org", msg.org.as_str());
    span.record("outbox_id", &msg.id);
    span.clone()
}
