//! Organization items: mapping, creation and settings. The writes that move
//! `seats_used` and `admin_count` are in [`super::rules`].

use super::attrs::{b, get_bool, get_n, get_s, get_time, key, n, parsed, s, time, typed};
use super::keys::{
    DIGEST_DUE, GSI2, ORG_SK, due_gsi2pk, org_pk, shard_of, timed_boundary, timed_sk,
};
use super::page::Query;
use super::{Action, Item, StoreError};
use crate::domain::{IdleSeatDays, Org, OrgName, OrgSlug, ReminderDay, SeatLimit};
use chrono::{DateTime, Utc};

pub fn org_key(org: &OrgSlug) -> Item {
    key(org_pk(org), ORG_SK)
}

pub fn to_item(org: &Org) -> Item {
    let mut item = typed(org_key(&org.slug), "org");
    item.insert("slug".into(), s(org.slug.as_str()));
    item.insert("name".into(), s(org.name.as_str()));
    item.insert("seat_limit".into(), n(org.seat_limit.get()));
    item.insert("seats_used".into(), n(org.seats_used));
    item.insert("admin_count".into(), n(org.admin_count));
    item.insert("created_at".into(), time(org.created_at));
    item.insert("idle_seat_days".into(), n(org.idle_seat_days.get()));
    item.insert(
        "invitation_reminder_day".into(),
        n(org.invitation_reminder_day.get()),
    );
    item.insert("expired_digest".into(), b(org.expired_digest));
    item
}

pub fn from_item(item: &Item) -> Result<Org, StoreError> {
    Ok(Org {
        slug: parsed(item, "slug", OrgSlug::parse)?,
        name: parsed(item, "name", OrgName::stored)?,
        seat_limit: SeatLimit::parse(get_n(item, "seat_limit")?).map_err(StoreError::corrupt)?,
        seats_used: get_n(item, "seats_used")?,
        admin_count: get_n(item, "admin_count")?,
        created_at: get_time(item, "created_at")?,
        // Orgs created before suppressions existed have no count.
        suppressed: get_n(item, "suppressed").unwrap_or(0),
        // Orgs created before the setting existed have the default.
        idle_seat_days: match get_n::<i64>(item, "idle_seat_days") {
            Ok(days) => IdleSeatDays::parse(days).map_err(StoreError::corrupt)?,
            Err(_) => IdleSeatDays::DEFAULT,
        },
        invitation_reminder_day: match get_n::<i64>(item, "invitation_reminder_day") {
            Ok(day) => ReminderDay::parse(day).map_err(StoreError::corrupt)?,
            Err(_) => ReminderDay::DEFAULT,
        },
        expired_digest: get_bool(item, "expired_digest").unwrap_or(false),
    })
}

/// A new org; fails if the slug is taken.
pub fn create(org: &Org) -> Action {
    Action::put_new(to_item(org))
}

/// What an update of an org sets (`None`: left as it is).
#[derive(Debug, Clone, Copy, Default)]
pub struct OrgUpdate<'a> {
    pub name: Option<&'a OrgName>,
    pub seat_limit: Option<SeatLimit>,
    pub idle_seat_days: Option<IdleSeatDays>,
    pub invitation_reminder_day: Option<ReminderDay>,
    /// On: the org joins the daily digest round, its next digest due at
    /// this time (the due index); off: it leaves it.
    pub expired_digest: Option<(bool, DateTime<Utc>)>,
}

impl OrgUpdate<'_> {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.seat_limit.is_none()
            && self.idle_seat_days.is_none()
            && self.invitation_reminder_day.is_none()
            && self.expired_digest.is_none()
    }
}

/// Renames the org, sets its seat limit (never below `seats_used`, checked in
/// the write's condition, whatever the concurrency), its idle-seat days
/// and/or its invitation reminder day.
pub fn update(slug: &OrgSlug, change: OrgUpdate<'_>) -> Action {
    let OrgUpdate {
        name,
        seat_limit,
        idle_seat_days,
        invitation_reminder_day,
        expired_digest,
    } = change;
    let sets: Vec<&str> = [
        name.map(|_| "#name = :name"),
        seat_limit.map(|_| "seat_limit = :limit"),
        idle_seat_days.map(|_| "idle_seat_days = :idle"),
        invitation_reminder_day.map(|_| "invitation_reminder_day = :remind"),
        expired_digest.map(|_| "expired_digest = :digest"),
        expired_digest
            .filter(|(on, _)| *on)
            .map(|_| "gsi2pk = :digest_pk, gsi2sk = :digest_sk"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut expression = format!("SET {}", sets.join(", "));
    // Turned on or off, the digest starts afresh (a day before its next one).
    match expired_digest {
        Some((false, _)) => expression.push_str(" REMOVE gsi2pk, gsi2sk, digest_until"),
        Some((true, _)) => expression.push_str(" REMOVE digest_until"),
        None => {}
    }
    let mut action = Action::update(org_key(slug), expression).when("attribute_exists(pk)");
    if let Some((on, due)) = expired_digest {
        action = action.value(":digest", b(on));
        if on {
            let (pk, sk) = digest_due(slug, due);
            action = action.value(":digest_pk", s(pk)).value(":digest_sk", s(sk));
        }
    }
    if let Some(name) = name {
        action = action
            .name("#name", "name")
            .value(":name", s(name.as_str()));
    }
    if let Some(limit) = seat_limit {
        action = action
            .when("seats_used <= :limit")
            .value(":limit", n(limit.get()));
    }
    if let Some(days) = idle_seat_days {
        action = action.value(":idle", n(days.get()));
    }
    if let Some(day) = invitation_reminder_day {
        action = action.value(":remind", n(day.get()));
    }
    action
}

/// The due-index key of an org's next expiry digest.
fn digest_due(slug: &OrgSlug, at: DateTime<Utc>) -> (String, String) {
    (
        due_gsi2pk(DIGEST_DUE, shard_of(slug.as_str())),
        timed_sk(at.timestamp(), slug.as_str()),
    )
}

/// An org whose expiry digest is due: the org, and since when its digest
/// has not covered (its last digest's end, or a day before it is due).
pub struct DigestDue {
    pub org: Org,
    pub due: DateTime<Utc>,
    pub covered_until: Option<DateTime<Utc>>,
}

/// Orgs of one due-index shard whose expiry digest is due by `now`.
pub fn digests_due(shard: u32, now: DateTime<Utc>) -> Query<DigestDue> {
    Query::partition(
        format!("due-digests:{shard}"),
        Some(GSI2),
        ("gsi2pk", due_gsi2pk(DIGEST_DUE, shard)),
        |item| {
            let due: i64 = get_s(item, "gsi2sk")?
                .split('#')
                .next()
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| StoreError::Corrupt("digest due time".into()))?;
            Ok(DigestDue {
                org: from_item(item)?,
                due: DateTime::from_timestamp(due, 0)
                    .ok_or_else(|| StoreError::Corrupt("digest due time".into()))?,
                covered_until: super::attrs::opt_time(item, "digest_until")?,
            })
        },
    )
    .sort_key(
        "gsi2sk < :until",
        &[(":until", timed_boundary(now.timestamp()))],
    )
}

/// The digest due at `due` went out, covering expiries until `until`: the
/// next one is due at `next`. Only once (another sweep may have got there).
pub fn digest_sent(
    slug: &OrgSlug,
    due: DateTime<Utc>,
    until: DateTime<Utc>,
    next: DateTime<Utc>,
) -> Action {
    let (_, current) = digest_due(slug, due);
    let (pk, sk) = digest_due(slug, next);
    Action::update(
        org_key(slug),
        "SET gsi2pk = :pk, gsi2sk = :next, digest_until = :until",
    )
    .when("gsi2sk = :current AND expired_digest = :on")
    .value(":pk", s(pk))
    .value(":next", s(sk))
    .value(":current", s(current))
    .value(
        ":until",
        s(until.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
    )
    .value(":on", b(true))
}
