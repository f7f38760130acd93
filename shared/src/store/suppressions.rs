//! Suppressed addresses: one item per (org, email), listed newest first by
//! their key prefix. The org item counts them (`suppressed`), so an invite
//! reads the suppression items only when the org has any. Clearing a
//! complaint leaves a `CLEARED#<email>` marker for the clearing interval: it
//! outlives the suppression, so the next complaint cannot be cleared at once.

use super::attrs::{epoch_ceil, get_epoch, get_s, get_time, key, n, parsed, s, time, typed};
use super::keys::{SUPPRESSION_PREFIX, complaint_cleared_sk, org_pk, suppression_sk};
use super::orgs::org_key;
use super::page::Query;
use super::{Action, Item, StoreError};
use crate::domain::{Email, OrgSlug, Suppression, SuppressionReason};
use chrono::{DateTime, Utc};

pub fn suppression_key(org: &OrgSlug, email: &Email) -> Item {
    key(org_pk(org), suppression_sk(email))
}

fn to_item(sup: &Suppression) -> Item {
    let mut item = typed(suppression_key(&sup.org, &sup.email), "suppression");
    item.insert("org".into(), s(sup.org.as_str()));
    item.insert("email".into(), s(sup.email.as_str()));
    item.insert("reason".into(), s(sup.reason.as_str()));
    item.insert("detail".into(), s(sup.detail.as_str()));
    item.insert("at".into(), time(sup.at));
    item
}

pub fn from_item(item: &Item) -> Result<Suppression, StoreError> {
    Ok(Suppression {
        org: parsed(item, "org", OrgSlug::parse)?,
        email: parsed(item, "email", Email::from_stored)?,
        reason: parsed(item, "reason", SuppressionReason::parse)?,
        detail: get_s(item, "detail")?.to_owned(),
        at: get_time(item, "at")?,
    })
}

/// Suppresses an address; fails if it already is (SNS delivers an event at
/// least once, and one address can bounce twice: the first reason stays).
pub fn create(sup: &Suppression) -> Action {
    Action::put_new(to_item(sup))
}

/// Clears a suppression; fails if there is none.
pub fn clear(org: &OrgSlug, email: &Email) -> Action {
    Action::delete(suppression_key(org, email)).when("attribute_exists(pk)")
}

pub fn complaint_cleared_key(org: &OrgSlug, email: &Email) -> Item {
    key(org_pk(org), complaint_cleared_sk(email))
}

/// Records that a complaint about `email` was cleared, so that the next one
/// cannot be before `until`; fails while an earlier marker still holds
/// (whatever the concurrency). TTL removes it after `until`.
pub fn mark_complaint_cleared(
    org: &OrgSlug,
    email: &Email,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Action {
    let mut item = typed(complaint_cleared_key(org, email), "complaint_cleared");
    item.insert("email".into(), s(email.as_str()));
    item.insert("until".into(), n(epoch_ceil(until)));
    item.insert("ttl".into(), n(epoch_ceil(until)));
    Action::put(item)
        .when("attribute_not_exists(pk) OR #until <= :now")
        .name("#until", "until")
        .value(":now", n(now.timestamp()))
}

/// A complaint-cleared marker: the address and when it stops holding.
pub fn complaint_cleared_from_item(item: &Item) -> Result<(Email, DateTime<Utc>), StoreError> {
    Ok((
        parsed(item, "email", Email::from_stored)?,
        get_epoch(item, "until")?,
    ))
}

/// Moves the org's count of suppressed addresses, in the transaction that
/// adds or clears one; fails if the org does not exist.
pub fn count(org: &OrgSlug, delta: i64) -> Action {
    Action::update(org_key(org), "ADD suppressed :delta")
        .when("attribute_exists(pk)")
        .value(":delta", n(delta))
}

/// The condition that `email` is not suppressed in `org` (for a transaction
/// that is about to mail it).
pub fn absent(org: &OrgSlug, email: &Email) -> Action {
    Action::check(suppression_key(org, email)).when("attribute_not_exists(pk)")
}

/// An org's suppressed addresses, by email.
pub fn listing(org: &OrgSlug) -> Query<Suppression> {
    Query::org_items("suppressions", org, SUPPRESSION_PREFIX, from_item)
}
