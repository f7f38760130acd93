//! The DynamoDB single-table adapter, and the only code that talks to
//! DynamoDB: keys ([`keys`]), item mapping and the actions on each entity
//! (one module per entity), named transactions ([`tx`]) and the rules that
//! keep the org's counters honest ([`rules`]), typed batch reads ([`reads`])
//! and paged queries with cursors ([`page`]). Nothing scans.

/// The `name` (`#x`) and `value` (`:x`) setters of a builder that keeps its
/// expressions' placeholders in `names` and `values` (queries, actions).
macro_rules! placeholder_setters {
    () => {
        pub fn name(mut self, placeholder: &str, attribute: &str) -> Self {
            self.names
                .insert(placeholder.to_owned(), attribute.to_owned());
            self
        }

        pub fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
            self.values.insert(placeholder.to_owned(), value);
            self
        }
    };
}

pub mod api_keys;
pub mod attrs;
pub mod audit;
pub mod call_count;
pub mod credentials;
pub mod cursor;
pub mod directory;
pub mod events;
pub mod idempotency;
pub mod imports;
pub mod invitations;
pub mod keys;
pub mod members;
pub mod orgs;
pub mod outbox;
pub mod page;
pub mod quotas;
pub mod reads;
pub mod rules;
pub mod suppressions;
pub mod tokens;
pub mod tx;
pub mod webhooks;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use std::collections::HashMap;

pub use cursor::{Cursor, InvalidCursor};
pub use page::{Page, Query, Start};
pub use reads::{Found, Reads};
pub use tx::{Action, Transaction};

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
    /// A condition failed: for a transaction, the names of the actions whose
    /// condition failed; for a single write, that write (no names).
    #[error("a write condition failed")]
    ConditionFailed { failed: Vec<tx::Name> },
    /// DynamoDB asked us to slow down, a transaction conflicted with another,
    /// or DynamoDB could not be reached (after the SDK's retries): worth a retry.
    #[error("DynamoDB is throttling, busy or unreachable")]
    Throttled(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// DynamoDB refused the request as malformed (`ValidationException`).
    #[error("DynamoDB refused the request")]
    Rejected(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// DynamoDB refused a query's start key, which came from a caller's cursor.
    #[error("DynamoDB refused the cursor's start key")]
    CursorRejected,
    #[error("DynamoDB call failed")]
    Sdk(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// An item did not have the shape this code writes.
    #[error("stored item is malformed: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Whether the transaction failed on the condition of the action pushed
    /// under `name`.
    pub fn failed(&self, name: &str) -> bool {
        matches!(self, Self::ConditionFailed { failed } if failed.iter().any(|n| n == name))
    }

    pub fn is_condition_failed(&self) -> bool {
        matches!(self, Self::ConditionFailed { .. })
    }

    pub(crate) fn corrupt(err: impl std::fmt::Display) -> Self {
        Self::Corrupt(err.to_string())
    }

    fn from_sdk<E, R>(err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        // Connection refused or reset, timeouts: the caller may retry (503), and
        // nothing was written, since each write is one request or one transaction.
        if matches!(
            err,
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)
        ) {
            return Self::Throttled(Box::new(err));
        }
        let code = err.code().unwrap_or_default().to_owned();
        match code.as_str() {
            "ConditionalCheckFailedException" => Self::ConditionFailed { failed: vec![] },
            "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "TransactionConflictException"
            | "TransactionInProgressException"
            | "InternalServerError"
            | "ServiceUnavailable" => Self::Throttled(Box::new(err)),
            "ValidationException" => Self::Rejected(Box::new(err)),
            _ => Self::Sdk(Box::new(err)),
        }
    }
}

impl Store {
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    /// The SDK client, for test fixtures and scripts; product code goes
    /// through the typed methods.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Strongly consistent read of any number of keys, 100 per call (plus
    /// retries of whatever DynamoDB leaves unprocessed), in no particular order.
    async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
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

    /// Strongly consistent read of one item.
    async fn get(&self, key: Item) -> Result<Option<Item>, StoreError> {
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

    /// [`Self::get`], decoded by `decode`.
    async fn get_as<T>(
        &self,
        key: Item,
        decode: impl FnOnce(&Item) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        self.get(key).await?.as_ref().map(decode).transpose()
    }

    /// One atomic write of up to 100 named actions. A cancellation on
    /// conditions reports the names of the actions that failed.
    pub async fn transact(&self, tx: Transaction) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
        let (names, actions) = tx.into_parts();
        debug_assert!(!actions.is_empty() && actions.len() <= MAX_TRANSACTION_ITEMS);
        let items = actions.into_iter().map(|a| a.into_sdk(&self.table));
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items.collect()))
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(()),
            Err(err) => err,
        };
        if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
            err.as_service_error()
        {
            let failed: Vec<tx::Name> = cancelled
                .cancellation_reasons()
                .iter()
                .zip(names)
                .filter(|(r, _)| r.code() == Some("ConditionalCheckFailed"))
                .map(|(_, name)| name)
                .collect();
            if failed.is_empty() {
                return Err(StoreError::Throttled(Box::new(err)));
            }
            return Err(StoreError::ConditionFailed { failed });
        }
        Err(StoreError::from_sdk(err))
    }

    /// One conditional write outside a transaction (`PutItem`, `UpdateItem`
    /// or `DeleteItem`, by the action's kind).
    pub async fn write(&self, action: Action) -> Result<(), StoreError> {
        action.send(&self.client, &self.table).await
    }
}
