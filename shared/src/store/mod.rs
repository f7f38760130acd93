//! The DynamoDB single-table adapter: keys, item mapping, reads, conditional
//! transactions and cursors. Every request is one read to authorize plus one
//! atomic write or one query; nothing scans.

pub mod attrs;
pub mod audit;
pub mod call_count;
pub mod cursor;
pub mod imports;
pub mod invitations;
pub mod keys;
pub mod members;
pub mod orgs;
pub mod outbox;
pub mod tokens;
pub mod tx;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, TransactWriteItem};
use std::collections::HashMap;

pub use cursor::Cursor;

pub type Item = HashMap<String, AttributeValue>;

/// DynamoDB's limit on actions in one `TransactWriteItems`.
pub const MAX_TRANSACTION_ITEMS: usize = 100;
/// DynamoDB's limit on keys in one `BatchGetItem`.
pub const MAX_BATCH_GET_KEYS: usize = 100;

#[derive(Clone)]
pub struct Store {
    client: Client,
    table: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A condition failed. For transactions, one reason per action in order
    /// (`Some("ConditionalCheckFailed")`, `None` where that action was fine).
    #[error("a write condition failed")]
    ConditionFailed { reasons: Vec<Option<String>> },
    /// DynamoDB asked us to slow down, or a transaction conflicted with another.
    #[error("DynamoDB is throttling or busy")]
    Throttled(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("DynamoDB call failed")]
    Sdk(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// An item did not have the shape this code writes.
    #[error("stored item is malformed: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Whether the transaction failed on the condition of action `index`.
    pub fn failed_at(&self, index: usize) -> bool {
        matches!(self, Self::ConditionFailed { reasons }
            if reasons.get(index).is_some_and(|r| r.as_deref() == Some("ConditionalCheckFailed")))
    }

    pub fn is_condition_failed(&self) -> bool {
        matches!(self, Self::ConditionFailed { .. })
    }

    fn from_sdk<E, R>(err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        let code = err.code().unwrap_or_default().to_owned();
        match code.as_str() {
            "ConditionalCheckFailedException" => Self::ConditionFailed {
                reasons: vec![Some("ConditionalCheckFailed".into())],
            },
            "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "TransactionConflictException"
            | "TransactionInProgressException"
            | "InternalServerError"
            | "ServiceUnavailable" => Self::Throttled(Box::new(err)),
            _ => Self::Sdk(Box::new(err)),
        }
    }
}

impl Store {
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Strongly consistent read of up to 100 keys in one call (plus retries of
    /// whatever DynamoDB leaves unprocessed). Returns items in no particular order.
    pub async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(MAX_BATCH_GET_KEYS) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.to_vec()))
                    .consistent_read(true)
                    .build()
                    .map_err(|e| StoreError::Sdk(Box::new(e)))?,
            );
            let mut backoff = std::time::Duration::from_millis(20);
            while let Some(request) = pending.take() {
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(StoreError::from_sdk)?;
                if let Some(mut items) = out.responses {
                    found.extend(items.remove(&self.table).unwrap_or_default());
                }
                pending = out
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .filter(|k| !k.keys.is_empty());
                if pending.is_some() {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(std::time::Duration::from_secs(1));
                }
            }
        }
        Ok(found)
    }

    pub async fn get(&self, key: Item) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        Ok(out.item)
    }

    /// One atomic write of up to 100 actions.
    pub async fn transact(&self, actions: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        debug_assert!(!actions.is_empty() && actions.len() <= MAX_TRANSACTION_ITEMS);
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(actions))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) => {
                use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
                if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
                    err.as_service_error()
                {
                    let reasons: Vec<Option<String>> = cancelled
                        .cancellation_reasons()
                        .iter()
                        .map(|r| r.code().filter(|c| *c != "None").map(str::to_owned))
                        .collect();
                    let conditional = reasons
                        .iter()
                        .flatten()
                        .any(|c| c == "ConditionalCheckFailed");
                    if conditional {
                        return Err(StoreError::ConditionFailed { reasons });
                    }
                    return Err(StoreError::Throttled(Box::new(err)));
                }
                Err(StoreError::from_sdk(err))
            }
        }
    }

    pub(crate) fn map_sdk<E, R>(err: SdkError<E, R>) -> StoreError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        StoreError::from_sdk(err)
    }
}

/// A page of results and the key to continue from.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub last_key: Option<Item>,
}
