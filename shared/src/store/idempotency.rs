//! Idempotency-key records: one item per (caller, route, key), claimed with a
//! conditional put before the request acts and completed with its answer
//! after. Kept 24 hours (DynamoDB TTL, and checked on read).
//!
//! Calls per keyed POST: the first request makes two writes (claim, then
//! answer) and no read: a claim that fails returns the stored record itself
//! (`ReturnValuesOnConditionCheckFailure`), so a retry makes one write and
//! no read either.

use super::attrs::{get_n, get_s, key, n, opt_s, s};
use super::{Item, Store, StoreError};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use chrono::{DateTime, Utc};

/// What a key's record says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// Another request with this key is acting now.
    InFlight { fingerprint: String },
    /// The first request's answer.
    Done {
        fingerprint: String,
        status: u16,
        content_type: String,
        body: String,
    },
}

/// The outcome of trying to claim a key.
#[derive(Debug)]
pub enum Claim {
    /// Ours: act, then [`complete`] or [`release`].
    Claimed,
    /// The key was used before (and not expired): its record.
    Existing(Record),
}

fn record_key(scope_hash: &str) -> Item {
    key(format!("IDEM#{scope_hash}"), "IDEM")
}

/// Claims `scope_hash` for a request with `fingerprint`, unless a live record
/// holds it. An in-flight claim older than `lock_until` (a crashed request) is
/// taken over.
pub async fn claim(
    store: &Store,
    scope_hash: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
    lock_seconds: i64,
    keep_seconds: i64,
) -> Result<Claim, StoreError> {
    let mut item = record_key(scope_hash);
    item.insert("state".into(), s("in_flight"));
    item.insert("fingerprint".into(), s(fingerprint));
    item.insert("locked_until".into(), n(now.timestamp() + lock_seconds));
    item.insert("expires_at".into(), n(now.timestamp() + keep_seconds));
    item.insert("ttl".into(), n(now.timestamp() + keep_seconds));
    let result = store
        .client()
        .put_item()
        .table_name(store.table())
        .set_item(Some(item))
        .condition_expression(
            "attribute_not_exists(pk) OR expires_at < :now \
             OR (#state = :in_flight AND locked_until < :now)",
        )
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":now", n(now.timestamp()))
        .expression_attribute_values(":in_flight", s("in_flight"))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match result {
        Ok(_) => Ok(Claim::Claimed),
        Err(SdkError::ServiceError(err)) => match err.err() {
            PutItemError::ConditionalCheckFailedException(failed) => {
                let old = failed.item().cloned().unwrap_or_default();
                Ok(Claim::Existing(from_item(&old)?))
            }
            _ => Err(StoreError::from_sdk(SdkError::ServiceError(err))),
        },
        Err(err) => Err(StoreError::from_sdk(err)),
    }
}

/// Records the answer of the request that holds the claim.
pub async fn complete(
    store: &Store,
    scope_hash: &str,
    status: u16,
    content_type: &str,
    body: &str,
) -> Result<(), StoreError> {
    store
        .client()
        .update_item()
        .table_name(store.table())
        .set_key(Some(record_key(scope_hash)))
        .update_expression(
            "SET #state = :done, #status = :status, content_type = :ct, body = :body",
        )
        .expression_attribute_names("#state", "state")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":done", s("done"))
        .expression_attribute_values(":status", n(status))
        .expression_attribute_values(":ct", s(content_type))
        .expression_attribute_values(":body", s(body))
        .send()
        .await
        .map_err(StoreError::from_sdk)?;
    Ok(())
}

/// Gives the key back (the request failed on our side): a retry may act.
pub async fn release(store: &Store, scope_hash: &str) -> Result<(), StoreError> {
    store
        .client()
        .delete_item()
        .table_name(store.table())
        .set_key(Some(record_key(scope_hash)))
        .send()
        .await
        .map_err(StoreError::from_sdk)?;
    Ok(())
}

fn from_item(item: &Item) -> Result<Record, StoreError> {
    let fingerprint = get_s(item, "fingerprint")?.to_owned();
    Ok(match get_s(item, "state")? {
        "done" => Record::Done {
            fingerprint,
            status: get_n(item, "status")?,
            content_type: opt_s(item, "content_type").unwrap_or("").to_owned(),
            body: opt_s(item, "body").unwrap_or("").to_owned(),
        },
        _ => Record::InFlight { fingerprint },
    })
}
