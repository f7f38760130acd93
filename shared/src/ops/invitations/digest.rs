//! The daily expiry digest: for an org that turned it on, each admin gets
//! one mail listing the invitations they sent that expired unanswered since
//! the last digest. Run by the sweep; it reads the org's events feed
//! (`invitation.expired`, which names the inviter), so it costs one query
//! and one read per org per day, whatever the number of invitations.

use crate::App;
use crate::domain::events::EventType;
use crate::domain::org::next_digest_at;
use crate::domain::outbox::DIGEST_LISTED;
use crate::domain::{Email, MailKind, OutboxMessage, Role};
use crate::ops::OpError;
use crate::store::members::{self, MemberFilter};
use crate::store::orgs::{self, DigestDue};
use crate::store::{Transaction, events, outbox};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// How far behind "now" a digest stops: expiries recorded in the last
/// minutes may not be on the feed yet (it is written from the stream).
pub const SETTLING: Duration = Duration::minutes(15);

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Digests {
    /// Mails queued.
    pub sent: usize,
    /// Orgs whose digest was due.
    pub orgs: usize,
}

/// Queues the digests of one due-index shard that are due by now.
pub async fn send_digests(app: &App, shard: u32, max: i32) -> Result<Digests, OpError> {
    let now = app.now();
    let mut done = Digests::default();
    for due in app
        .store
        .page(&orgs::digests_due(shard, now), None, max)
        .await?
        .items
    {
        done.orgs += 1;
        done.sent += digest_of(app, &due, now).await?;
    }
    Ok(done)
}

async fn digest_of(app: &App, due: &DigestDue, now: DateTime<Utc>) -> Result<usize, OpError> {
    let org = &due.org.slug;
    let until = now - SETTLING;
    let since = due
        .covered_until
        .map(|t| t + Duration::microseconds(1))
        .unwrap_or(due.due - Duration::days(1));
    let feed = app
        .store
        .all(&events::feed(org, Some(since), Some(until)))
        .await?;
    let expired = feed
        .iter()
        .filter(|e| e.kind == EventType::InvitationExpired);
    let by_inviter = group_by_inviter(expired.map(|e| &e.data));
    let filter = MemberFilter {
        role: Some(Role::Admin),
        ..MemberFilter::default()
    };
    let admins: BTreeSet<Email> = app
        .store
        .all(&members::listing(org, filter))
        .await?
        .into_iter()
        .map(|m| m.email)
        .collect();
    let mut tx = Transaction::new();
    let mut sent = 0;
    // Only admins still: someone demoted or gone since sent nothing to learn.
    for (inviter, emails) in by_inviter.into_iter().filter(|(i, _)| admins.contains(i)) {
        let total = emails.len() as u32;
        let kind = MailKind::ExpiredDigest {
            emails: emails.into_iter().take(DIGEST_LISTED).collect(),
            total,
        };
        let mail = OutboxMessage::new(org.clone(), due.org.name.clone(), inviter, kind, now);
        tx.push("mail", outbox::enqueue(&mail));
        sent += 1;
    }
    tx.push(
        "org",
        orgs::digest_sent(org, due.due, until, next_digest_at(now)),
    );
    match app.store.transact(tx).await {
        Ok(()) => Ok(sent),
        // Sent by another sweep, or turned off meanwhile.
        Err(err) if err.is_condition_failed() => Ok(0),
        Err(err) => Err(err.into()),
    }
}

/// The expired addresses of each inviter, in order, from events' data
/// (`{"email", "invited_by"}`); entries without either are skipped.
fn group_by_inviter<'a>(
    data: impl Iterator<Item = &'a serde_json::Value>,
) -> BTreeMap<Email, Vec<Email>> {
    let mut groups: BTreeMap<Email, Vec<Email>> = BTreeMap::new();
    for d in data {
        let parse = |name: &str| {
            d.get(name)?
                .as_str()
                .and_then(|v| Email::from_stored(v).ok())
        };
        if let (Some(inviter), Some(email)) = (parse("invited_by"), parse("email")) {
            groups.entry(inviter).or_default().push(email);
        }
    }
    // In address order: expiries recorded in one sweep share a time.
    for emails in groups.values_mut() {
        emails.sort();
        emails.dedup();
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expiries_are_grouped_by_their_inviter_and_unreadable_ones_skipped() {
        let data = [
            json!({"email": "a@x.test", "invited_by": "alice@x.test"}),
            json!({"email": "b@x.test", "invited_by": "bob@x.test"}),
            json!({"email": "c@x.test", "invited_by": "alice@x.test"}),
            json!({"email": "d@x.test"}),
            json!({"email": "not an address", "invited_by": "bob@x.test"}),
        ];
        let groups = group_by_inviter(data.iter());
        let alice = Email::from_stored("alice@x.test").unwrap();
        let listed: Vec<&str> = groups[&alice].iter().map(Email::as_str).collect();
        assert_eq!(listed, ["a@x.test", "c@x.test"]);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[&Email::from_stored("bob@x.test").unwrap()].len(), 1);
    }
}
