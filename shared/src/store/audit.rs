//! Audit entries: written in the same transaction as the change they record,
//! kept 365 days, read newest first.

use super::attrs::{get_s, get_time, key, n, s, time, typed};
use super::keys::{AUDIT_PREFIX, audit_sk, org_pk};
use super::page::Query;
use super::{Action, Item, StoreError};
use crate::domain::OrgSlug;
use crate::domain::audit::{AuditEntry, RETENTION};

fn to_item(org: &OrgSlug, entry: &AuditEntry) -> Item {
    let at = entry
        .at
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mut item = typed(
        key(
            org_pk(org),
            audit_sk(&at, &uuid::Uuid::new_v4().to_string()),
        ),
        "audit",
    );
    item.insert("at".into(), time(entry.at));
    if let Some(id) = &entry.actor_id {
        item.insert("actor_id".into(), s(id.as_str()));
    }
    item.insert("actor".into(), s(entry.actor.as_str()));
    item.insert("action".into(), s(entry.action.as_str()));
    item.insert("target".into(), s(entry.target.as_str()));
    item.insert("detail".into(), s(entry.detail.to_string()));
    item.insert("ttl".into(), n((entry.at + RETENTION).timestamp()));
    item
}

fn from_item(item: &Item) -> Result<AuditEntry, StoreError> {
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

/// Records an entry (in the transaction of the change it describes).
pub fn record(org: &OrgSlug, entry: &AuditEntry) -> Action {
    Action::put_new(to_item(org, entry))
}

/// An org's audit log, newest first.
pub fn listing(org: &OrgSlug) -> Query<AuditEntry> {
    Query::org_items("audit", org, AUDIT_PREFIX, from_item).newest_first()
}

/// An org's entries of one `action` from `since` to `until` (both
/// inclusive), oldest first: sort keys start with the entry's time.
pub fn of_action_between(
    org: &OrgSlug,
    action: &str,
    since: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
) -> Query<AuditEntry> {
    let micros =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let low = format!("{AUDIT_PREFIX}{}", micros(since));
    // `~` sorts after the `#` and id that follow the time.
    let high = format!("{AUDIT_PREFIX}{}~", micros(until));
    let scope = format!("audit:{org}:{action}:{low}:{high}");
    Query::partition(scope, None, ("pk", org_pk(org)), from_item)
        .sort_key(
            "sk BETWEEN :low AND :high",
            &[(":low", low.clone()), (":high", high)],
        )
        .cursor_key("sk", super::page::Bound::AtLeast(low))
        .filter("#action = :action")
        .name("#action", "action")
        .value(":action", s(action))
}

/// An entry as the table's stream carries it: its org, its own id, and the
/// entry with its time to the microsecond (from the sort key; the stored
/// `at` keeps milliseconds). `None` for an item that is not an audit entry.
pub fn from_stream_image(item: &Item) -> Option<Result<(OrgSlug, String, AuditEntry), StoreError>> {
    let sk = get_s(item, "sk").ok()?;
    let rest = sk.strip_prefix(AUDIT_PREFIX)?;
    Some((|| {
        let (at, id) = rest
            .rsplit_once('#')
            .ok_or_else(|| StoreError::Corrupt("audit key".into()))?;
        let org = get_s(item, "pk")?
            .strip_prefix("ORG#")
            .ok_or_else(|| StoreError::Corrupt("audit partition".into()))?;
        let mut entry = from_item(item)?;
        if let Ok(precise) = chrono::DateTime::parse_from_rfc3339(at) {
            entry.at = precise.to_utc();
        }
        let org = OrgSlug::parse(org).map_err(StoreError::corrupt)?;
        Ok((org, id.to_owned(), entry))
    })())
}
