//! Small helpers to build and read DynamoDB attribute maps without noise.

use super::{Item, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub fn b(value: bool) -> AttributeValue {
    AttributeValue::Bool(value)
}

/// Epoch seconds, rounded up: for the end of a window that must never end
/// early (a cooldown, a clearing interval).
pub fn epoch_ceil(value: DateTime<Utc>) -> i64 {
    value.timestamp() + i64::from(value.timestamp_subsec_nanos() > 0)
}

pub fn time(value: DateTime<Utc>) -> AttributeValue {
    s(value.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

pub fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    Item::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))])
}

/// A new item at `key` with the `type` every item carries (what tells the
/// kinds apart in a partition, and in a stream record).
pub fn typed(mut key: Item, kind: &str) -> Item {
    key.insert("type".into(), s(kind));
    key
}

fn missing(name: &str) -> StoreError {
    StoreError::Corrupt(format!("attribute {name} is missing or of the wrong type"))
}

pub fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| missing(name))
}

/// A string attribute read into its typed value; a value the type refuses
/// is corrupt, and the error names the attribute.
pub fn parsed<T, E: std::fmt::Display>(
    item: &Item,
    name: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, StoreError> {
    parse(get_s(item, name)?).map_err(|err| StoreError::Corrupt(format!("attribute {name}: {err}")))
}

pub fn opt_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

pub fn get_n<T: std::str::FromStr>(item: &Item, name: &str) -> Result<T, StoreError> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| missing(name))
}

pub fn get_bool(item: &Item, name: &str) -> Result<bool, StoreError> {
    item.get(name)
        .and_then(|v| v.as_bool().ok())
        .copied()
        .ok_or_else(|| missing(name))
}

pub fn get_time(item: &Item, name: &str) -> Result<DateTime<Utc>, StoreError> {
    parse_time(get_s(item, name)?, name)
}

pub fn opt_time(item: &Item, name: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    opt_s(item, name).map(|v| parse_time(v, name)).transpose()
}

/// A time stored as epoch seconds (what TTL and the due indexes compare).
pub fn get_epoch(item: &Item, name: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp(get_n(item, name)?, 0)
        .ok_or_else(|| StoreError::Corrupt(format!("{name} out of range")))
}

/// [`get_epoch`], or `None` when the attribute is absent.
pub fn opt_epoch(item: &Item, name: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    item.get(name).map(|_| get_epoch(item, name)).transpose()
}

fn parse_time(raw: &str, name: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| missing(name))
}

pub fn get_list_s(item: &Item, name: &str) -> Result<Vec<String>, StoreError> {
    item.get(name)
        .and_then(|v| v.as_l().ok())
        .map(|l| l.iter().filter_map(|v| v.as_s().ok().cloned()).collect())
        .ok_or_else(|| missing(name))
}
