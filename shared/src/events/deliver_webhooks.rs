//! `deliver-webhooks`: fed by the table's stream (filtered to webhook
//! deliveries whose `wake` is set: new, due for a retry, or redelivered).
//! The batch's deliveries are attempted at once, side by side, each within
//! its own timeout, so a slow endpoint holds up the others of its batch for
//! at most that timeout. A delivery whose outcome could not be written is
//! reported, so Lambda retries from it; its claim makes a repeated attempt a
//! no-op, and the lease every wake-up and claim leaves on the due index
//! brings it back through the sweep.

use crate::App;
use crate::error_chain::ErrorChain;
use crate::events::{BatchAnswer, StreamBatch, retry_from};
use crate::ops::webhooks::deliver::attempt;
use crate::store::{Item, webhooks};
use aws_lambda_events::event::dynamodb::EventRecord;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use std::sync::Arc;

pub async fn handle(app: Arc<App>, batch: StreamBatch) -> BatchAnswer {
    Ok(deliver_records(&app, batch.payload.records).await)
}

pub async fn deliver_records(app: &App, records: Vec<EventRecord>) -> DynamoDbEventResponse {
    let attempts = records.iter().filter_map(|record| {
        let keys: Item = record.change.keys.clone().into();
        if !webhooks::is_delivery_key(&keys) {
            return None;
        }
        let image: Item = record.change.new_image.clone().into();
        Some(async move {
            let delivery = match webhooks::delivery_from_item(&image) {
                Ok(d) => d,
                Err(err) => {
                    tracing::error!(error = %ErrorChain(&err), "delivery record unreadable, skipped");
                    return None;
                }
            };
            match Box::pin(attempt(app, &delivery)).await {
                Ok(outcome) => {
                    tracing::info!(org = %delivery.org, endpoint = %delivery.endpoint,
                        event_type = delivery.event_type.as_str(), ?outcome, "webhook delivery attempted");
                    None
                }
                Err(err) => {
                    tracing::warn!(error = %ErrorChain(&err), "webhook delivery failed, will be retried");
                    Some(record)
                }
            }
        })
    });
    let failed = futures::future::join_all(attempts).await;
    // Lambda retries from the first reported record; one is enough.
    retry_from(failed.into_iter().flatten().next())
}
