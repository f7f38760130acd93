//! Audit entries: written in the same transaction as the change they record,
//! kept 365 days, read newest first.

use super::attrs::{get_s, get_time, key, n, s, time};
use super::keys::{audit_sk_prefix, org_pk};
use super::{Item, StoreError};
use crate::domain::OrgSlug;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};

pub const RETENTION: Duration = Duration::days(365);

/// One entry. `detail` never holds a secret: callers pass only ids, emails,
/// roles and counts.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// The acting user's id: who acted, whatever their email is later.
    /// Entries written before it was recorded have none.
    pub actor_id: Option<String>,
    /// The actor's email as stored on their membership at the time (a snapshot).
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: serde_json::Value,
}

pub fn to_item(org: &OrgSlug, entry: &AuditEntry) -> Item {
    let sk = format!(
        "{}{}#{}",
        audit_sk_prefix(),
        entry
            .at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        uuid::Uuid::new_v4()
    );
    let mut item = key(org_pk(org), sk);
    item.insert("type".into(), s("audit"));
    item.insert("at".into(), time(entry.at));
    if let Some(id) = &entry.actor_id {
        item.insert("actor_id".into(), s(id.as_str()));
    }
    item.insert("actor".into(), s(entry.actor.as_str()));
    item.insert("action".into(), s(entry.action.as_str()));
    item.insert("target".into(), s(entry.target.as_str()));
    item.insert("detail".into(), AttributeValue::S(entry.detail.to_string()));
    item.insert("ttl".into(), n((entry.at + RETENTION).timestamp()));
    item
}

pub fn from_item(item: &Item) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        at: get_time(item, "at")?,
        actor_id: get_s(item, "actor_id").ok().map(str::to_owned),
        actor: get_s(item, "actor")?.to_owned(),
        action: get_s(item, "action")?.to_owned(),
        target: get_s(item, "target")?.to_owned(),
        detail: serde_json::from_str(get_s(item, "detail")?)
            .map_err(|_| StoreError::Corrupt("audit detail".into()))?,
    })
}
