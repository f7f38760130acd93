//! Handlers for the functions that are not HTTP: the stream-fed mail
//! delivery, import worker, event publisher and webhook delivery, the SES feedback from SNS, and the scheduled
//! sweep.

pub mod deliver_email;
pub mod deliver_webhooks;
pub mod import_worker;
pub mod mail_events;
pub mod publish_events;
pub mod sweep;

use aws_lambda_events::event::dynamodb::EventRecord;
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};

/// A batch of the table's stream records, as Lambda hands it to a function.
pub type StreamBatch = lambda_runtime::LambdaEvent<aws_lambda_events::event::dynamodb::Event>;

/// What a stream function answers: the records Lambda should retry.
pub type BatchAnswer = Result<DynamoDbEventResponse, lambda_runtime::Error>;

/// The partial batch response that has Lambda retry from `first_failed`
/// onwards; `None`: the whole batch is done.
pub fn retry_from(first_failed: Option<&EventRecord>) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    if let Some(record) = first_failed {
        let mut failure = DynamoDbBatchItemFailure::default();
        failure.item_identifier = record.change.sequence_number.clone();
        response.batch_item_failures.push(failure);
    }
    response
}
