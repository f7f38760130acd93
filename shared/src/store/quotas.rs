//! Abuse-limit counters: one small item per counted thing, moved by
//! an `Update ... ADD` whose condition is the limit, inside the transaction of
//! the write it guards, so the count and the write commit together or not at
//! all, whatever the concurrency. Daily counters live in a UTC-day bucket and
//! expire two days later (TTL); the open-invitations counter lives as long as
//! the org.
//!
//! | counter | pk | sk |
//! |---|---|---|
//! | invitation mails of an org, per day | `QUOTA#ORG#<slug>` | `INVITES#<yyyy-mm-dd>` |
//! | open invitations of an org | `QUOTA#ORG#<slug>` | `PENDING` |
//! | orgs created by a user, per day | `QUOTA#USER#<user>` | `ORGS#<yyyy-mm-dd>` |
//! | tokens issued to a member, per day | `QUOTA#ORG#<slug>` | `TOKENS#<user>#<yyyy-mm-dd>` |

use super::attrs::{key, n};
use super::tx::Action;
use super::{Item, StoreError};
use crate::domain::limits::{day_bucket, next_day, secs_until};
use crate::domain::{Limit, LimitExceeded};
use crate::domain::{OrgSlug, UserId};
use chrono::{DateTime, Duration, Utc};

/// Every counter's partition key starts so.
pub const PK_PREFIX: &str = "QUOTA#";

/// How long a daily counter outlives its day (TTL), for late readers.
const DAILY_TTL: Duration = Duration::days(2);

pub fn org_invites_today(org: &OrgSlug, now: DateTime<Utc>) -> Item {
    key(
        format!("QUOTA#ORG#{org}"),
        format!("INVITES#{}", day_bucket(now)),
    )
}

pub fn org_pending(org: &OrgSlug) -> Item {
    key(format!("QUOTA#ORG#{org}"), "PENDING".to_owned())
}

pub fn user_orgs_today(user: &UserId, now: DateTime<Utc>) -> Item {
    key(
        format!("QUOTA#USER#{user}"),
        format!("ORGS#{}", day_bucket(now)),
    )
}

pub fn member_tokens_today(org: &OrgSlug, user: &UserId, now: DateTime<Utc>) -> Item {
    key(
        format!("QUOTA#ORG#{org}"),
        format!("TOKENS#{user}#{}", day_bucket(now)),
    )
}

/// Whether `item` is the counter with key `counter`.
pub fn is(item: &Item, counter: &Item) -> bool {
    item.get("pk") == counter.get("pk") && item.get("sk") == counter.get("sk")
}

/// The count an item holds (0 for a counter never moved, or gone).
pub fn used(item: Option<&Item>) -> Result<i64, StoreError> {
    match item.and_then(|i| i.get("used")) {
        None => Ok(0),
        Some(v) => v
            .as_n()
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| StoreError::Corrupt("quota count".into())),
    }
}

/// Adds `amount` to a counter, on condition that the result stays within
/// `max` (stated against `max - amount`: conditions have no arithmetic).
/// `None` when `amount` alone is over `max` (no write could succeed). A daily
/// counter (`expires` set) gets its TTL.
pub fn take(
    counter: Item,
    amount: u32,
    max: u32,
    expires: Option<DateTime<Utc>>,
) -> Option<Action> {
    let room = i64::from(max) - i64::from(amount);
    if room < 0 {
        return None;
    }
    let (expression, action) = match expires {
        Some(at) => (
            "ADD #used :amount SET #ttl = :ttl",
            Action::check(counter)
                .name("#ttl", "ttl")
                .value(":ttl", n((at + DAILY_TTL).timestamp())),
        ),
        None => ("ADD #used :amount", Action::check(counter)),
    };
    Some(
        action
            .when("attribute_not_exists(#used) OR #used <= :room")
            .name("#used", "used")
            .value(":amount", n(amount))
            .value(":room", n(room))
            .into_update(expression),
    )
}

/// A daily counter's expiry argument for [`take`]: the end of `now`'s day.
pub fn daily(now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    Some(next_day(now))
}

/// The 429 for a daily counter: retry when the UTC day turns.
pub fn daily_refusal(limit: Limit, max: u32, now: DateTime<Utc>) -> LimitExceeded {
    LimitExceeded {
        limit,
        max,
        retry_after_secs: secs_until(now, next_day(now)),
    }
}

/// Gives back `amount` (an invitation accepted, revoked or removed).
pub fn give_back(counter: Item, amount: u32) -> Action {
    Action::update(counter, "ADD #used :minus")
        .name("#used", "used")
        .value(":minus", n(-i64::from(amount)))
}
