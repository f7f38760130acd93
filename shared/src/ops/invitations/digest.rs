//! The daily expiry digest: for an org that turned it on, each admin gets
//! one mail listing the invitations they sent that expired unanswered since
//! the last digest. Run by the sweep; it reads the org's `invitation.expired`
//! audit entries of the day (written with each expiry, naming the inviter)
//! and its admins: two queries and one transaction per org per day.

use crate::App;
use crate::domain::AuditEntry;
use crate::domain::org::next_digest_at;
use crate::domain::outbox::DIGEST_LISTED;
use crate::domain::{Email, MailKind, OutboxMessage};
use crate::ops::OpError;
use crate::store::members;
use crate::store::orgs::{self, DigestDue};
use crate::store::{Transaction, audit, outbox};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// Admins mailed per org per digest: one transaction, under DynamoDB's 100.
const MAX_MAILED: usize = 90;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Digests {
    /// Mails queued.
    pub sent: usize,
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
        done.sent += digest_of(app, &due, now).await?;
    }
    Ok(done)
}

async fn digest_of(app: &App, due: &DigestDue, now: DateTime<Utc>) -> Result<usize, OpError> {
    let org = &due.org.slug;
    let since = due
        .covered_until
        .map(|t| t + Duration::microseconds(1))
        .unwrap_or(due.due - Duration::days(1));
    let expired = audit::of_action_between(org, "invitation.expired", since, now);
    let by_inviter = group_by_inviter(&app.store.all(&expired).await?);
    let admins: BTreeSet<Email> = app
        .store
        .all(&members::admins(org))
        .await?
        .into_iter()
        .map(|m| m.email)
        .collect();
    let mut tx = Transaction::new();
    let mut sent = 0;
    // Only admins still: someone demoted or gone since has nothing to act on.
    let mailed = by_inviter.into_iter().filter(|(i, _)| admins.contains(i));
    for (inviter, emails) in mailed.take(MAX_MAILED) {
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
        orgs::digest_sent(org, due.due, now, next_digest_at(now)),
    );
    match app.store.transact(tx).await {
        Ok(()) => Ok(sent),
        // Sent by another sweep, or turned off meanwhile.
        Err(err) if err.is_condition_failed() => Ok(0),
        Err(err) => Err(err.into()),
    }
}

/// The expired addresses of each inviter, in address order, from the
/// entries (the address is the target, the inviter in the detail); entries
/// without either are skipped.
fn group_by_inviter(entries: &[AuditEntry]) -> BTreeMap<Email, Vec<Email>> {
    let mut groups: BTreeMap<Email, Vec<Email>> = BTreeMap::new();
    for entry in entries {
        let inviter = entry.detail.get("invited_by").and_then(|v| v.as_str());
        let inviter = inviter.and_then(|v| Email::from_stored(v).ok());
        let email = Email::from_stored(&entry.target).ok();
        if let (Some(inviter), Some(email)) = (inviter, email) {
            groups.entry(inviter).or_default().push(email);
        }
    }
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

    fn expired(email: &str, inviter: Option<&str>) -> AuditEntry {
        AuditEntry {
            at: Utc::now(),
            actor_id: None,
            actor: "Roster".into(),
            action: "invitation.expired".into(),
            target: email.into(),
            detail: json!({"invited_by": inviter}),
        }
    }

    #[test]
    fn expiries_are_grouped_by_their_inviter_in_address_order_and_unreadable_ones_skipped() {
        let entries = [
            expired("c@x.test", Some("alice@x.test")),
            expired("b@x.test", Some("bob@x.test")),
            expired("a@x.test", Some("alice@x.test")),
            expired("d@x.test", None),
            expired("not an address", Some("bob@x.test")),
        ];
        let groups = group_by_inviter(&entries);
        let alice = Email::from_stored("alice@x.test").unwrap();
        let listed: Vec<&str> = groups[&alice].iter().map(Email::as_str).collect();
        assert_eq!(listed, ["a@x.test", "c@x.test"]);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[&Email::from_stored("bob@x.test").unwrap()].len(), 1);
    }
}
