//! `deliver-email`: fed by the table's stream (filtered to outbox inserts).
//! Each record is delivered on its own; a record that fails for a reason worth
//! retrying (DynamoDB unavailable) is reported in the partial batch response,
//! so Lambda retries from it without blocking on, or re-sending, the others
//! (their outbox claim makes a retry a no-op).

use crate::App;
use crate::error_chain::ErrorChain;
use crate::ops::deliver_mail::deliver;
use crate::store::{Item, outbox};
use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use lambda_runtime::LambdaEvent;
use std::sync::Arc;

pub async fn handle(
    app: Arc<App>,
    event: LambdaEvent<Event>,
) -> Result<DynamoDbEventResponse, lambda_runtime::Error> {
    Ok(deliver_records(&app, event.payload.records).await)
}

pub async fn deliver_records(app: &App, records: Vec<EventRecord>) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for record in records {
        if record.event_name != "INSERT" || !is_outbox(&record) {
            continue;
        }
        let image: Item = record.change.new_image.clone().into();
        let result = match outbox::from_item(&image) {
            Ok(msg) => deliver(app, &msg)
                .await
                .map(|d| tracing::info!(outcome = ?d, "outbox record handled")),
            Err(err) => {
                // A malformed item will never become deliverable: log and move on.
                tracing::error!(error = %ErrorChain(&err), "outbox record unreadable, skipped");
                Ok(())
            }
        };
        if let Err(err) = result {
            tracing::warn!(error = %ErrorChain(&err), "outbox record failed, will be retried");
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = record.change.sequence_number.clone();
            response.batch_item_failures.push(failure);
            // Lambda retries from the first failure onwards; stop here.
            break;
        }
    }
    response
}

fn is_outbox(record: &EventRecord) -> bool {
    outbox::is_message_key(&record.change.keys.clone().into())
}
