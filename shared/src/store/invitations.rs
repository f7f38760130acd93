//! Invitation items: one per (org, email), listed by expiry through `gsi1`.
//! The sweep finds them through `gsi2` at their next due moment: first its
//! reminder (if the org sends one and it is not sent yet), then its TTL. The
//! writes of an invitation's life: create (or replace an expired one), renew,
//! mint the links, record the mail's outcome, mark the reminder done,
//! consume, revoke, and delete when stale.
//!
//! An invitation revoked less than the mail cooldown after its last mail is
//! replaced by a *revoked marker* under the same key (`type:
//! revoked_invitation`, no index keys, so no listing or sweep sees it) whose
//! `expires_at` is the cooldown's end: the invite path reads it with the
//! invitation it looks up anyway (no extra call), and [`create`]'s condition
//! refuses to write over it before then, whatever the concurrency.

use super::attrs::{
    epoch_ceil, get_bool, get_epoch, get_n, get_s, get_time, key, n, opt_epoch, opt_s, parsed, s,
    time, typed,
};
use super::keys::{
    EXPIRY_DUE, GSI1, GSI2, INVITATION_DUE, INVITATION_PREFIX, REMINDER_DUE, due_gsi2pk,
    invitation_due_sk, invitation_sk, invitations_gsi1pk, org_pk, shard_of, timed_boundary,
    timed_sk,
};
use super::page::{Bound, Query};
use super::{Action, Item, StoreError};
use crate::domain::invitation::{StatusFilter, ttl_for};
use crate::domain::{
    Email, EmailStatus, Invitation, InvitationId, OrgSlug, Role, SecretHash, UserId,
};
use chrono::{DateTime, Utc};

pub fn invitation_key(org: &OrgSlug, email: &Email) -> Item {
    key(org_pk(org), invitation_sk(email))
}

pub fn to_item(inv: &Invitation) -> Item {
    let id = inv.id();
    let ttl = ttl_for(inv.expires_at);
    let mut item = typed(invitation_key(&inv.org, &inv.email), "invitation");
    item.insert("org".into(), s(inv.org.as_str()));
    item.insert("id".into(), s(id.as_str()));
    item.insert("email".into(), s(inv.email.as_str()));
    item.insert("role".into(), s(inv.role.as_str()));
    item.insert("seat".into(), super::attrs::b(inv.seat));
    item.insert("invited_by".into(), s(inv.invited_by.as_str()));
    if let Some(id) = &inv.invited_by_id {
        item.insert("invited_by_id".into(), s(id.as_str()));
    }
    item.insert("created_at".into(), time(inv.created_at));
    item.insert("expires_at".into(), n(inv.expires_at.timestamp()));
    item.insert("generation".into(), n(inv.generation));
    item.insert("email_status".into(), s(inv.email_status.as_str()));
    if let Some(hash) = &inv.token_hash {
        item.insert("token_hash".into(), s(hash.as_str()));
    }
    if let Some(hash) = &inv.reminder_hash {
        item.insert("reminder_hash".into(), s(hash.as_str()));
    }
    if let Some(at) = inv.remind_at {
        item.insert("remind_at".into(), n(at.timestamp()));
    }
    item.insert("ttl".into(), n(ttl));
    item.insert("gsi1pk".into(), s(invitations_gsi1pk(&inv.org)));
    item.insert(
        "gsi1sk".into(),
        s(timed_sk(inv.expires_at.timestamp(), id.as_str())),
    );
    let (due_pk, due_sk) = match inv.remind_at {
        Some(at) => reminder_due(&inv.org, &inv.email, at),
        None => expiry_due(&inv.org, &inv.email, inv.expires_at),
    };
    item.insert("gsi2pk".into(), s(due_pk));
    item.insert("gsi2sk".into(), s(due_sk));
    item
}

/// The due-index key of an invitation whose reminder is due at `at`.
fn reminder_due(org: &OrgSlug, email: &Email, at: DateTime<Utc>) -> (String, String) {
    let id = InvitationId::for_email(email);
    (
        due_gsi2pk(REMINDER_DUE, shard_of(id.as_str())),
        invitation_due_sk(at.timestamp(), org, id.as_str()),
    )
}

/// The due-index key of an invitation that expires at `at` (its expiry is
/// recorded then, for other systems: `invitation.expired`).
fn expiry_due(org: &OrgSlug, email: &Email, at: DateTime<Utc>) -> (String, String) {
    let id = InvitationId::for_email(email);
    (
        due_gsi2pk(EXPIRY_DUE, shard_of(id.as_str())),
        invitation_due_sk(at.timestamp(), org, id.as_str()),
    )
}

/// The due-index key of an invitation that TTL may delete after `ttl`.
fn deletion_due(org: &OrgSlug, email: &Email, ttl: i64) -> (String, String) {
    let id = InvitationId::for_email(email);
    (
        due_gsi2pk(INVITATION_DUE, shard_of(id.as_str())),
        invitation_due_sk(ttl, org, id.as_str()),
    )
}

pub fn from_item(item: &Item) -> Result<Invitation, StoreError> {
    Ok(Invitation {
        org: parsed(item, "org", OrgSlug::parse)?,
        email: parsed(item, "email", Email::from_stored)?,
        role: parsed(item, "role", Role::parse)?,
        seat: get_bool(item, "seat")?,
        invited_by: parsed(item, "invited_by", Email::from_stored)?,
        invited_by_id: opt_s(item, "invited_by_id")
            .map(UserId::parse)
            .transpose()
            .map_err(StoreError::corrupt)?,
        created_at: get_time(item, "created_at")?,
        expires_at: get_epoch(item, "expires_at")?,
        generation: get_n(item, "generation")?,
        token_hash: opt_s(item, "token_hash").map(|h| SecretHash::from_stored(h.to_owned())),
        reminder_hash: opt_s(item, "reminder_hash").map(|h| SecretHash::from_stored(h.to_owned())),
        remind_at: opt_epoch(item, "remind_at")?,
        email_status: EmailStatus::parse(get_s(item, "email_status")?)
            .ok_or_else(|| StoreError::Corrupt("email_status".into()))?,
    })
}

/// The `type` of a revoked marker.
const REVOKED: &str = "revoked_invitation";

/// Whether an item under an invitation key is a revoked marker.
pub fn is_revoked_marker(item: &Item) -> bool {
    opt_s(item, "type") == Some(REVOKED)
}

/// A revoked marker: the address and the end of its mail cooldown.
pub fn revoked_from_item(item: &Item) -> Result<(Email, DateTime<Utc>), StoreError> {
    Ok((
        parsed(item, "email", Email::from_stored)?,
        get_epoch(item, "expires_at")?,
    ))
}

/// A new invitation, or one replacing an expired (never a pending) one or a
/// revoked marker whose cooldown has ended.
pub fn create(inv: &Invitation, now: DateTime<Utc>) -> Action {
    Action::put(to_item(inv))
        .when("attribute_not_exists(pk) OR expires_at <= :now")
        .value(":now", n(now.timestamp()))
}

/// A resent invitation, if nobody accepted, revoked or resent it since it
/// was read at `seen_generation`.
pub fn renew(inv: &Invitation, seen_generation: u64) -> Action {
    Action::put(to_item(inv))
        .when("generation = :seen")
        .value(":seen", n(seen_generation))
}

/// Stores the hash of a new link's secret (the first mail's, or the
/// reminder's), only while the invitation is still at the mail's generation
/// and not expired.
pub fn mint_link(
    org: &OrgSlug,
    email: &Email,
    hash: &SecretHash,
    generation: u64,
    now: DateTime<Utc>,
    reminder: bool,
) -> Action {
    let set = if reminder {
        "SET reminder_hash = :hash"
    } else {
        "SET token_hash = :hash"
    };
    Action::update(invitation_key(org, email), set)
        .when("generation = :generation AND expires_at > :now")
        .value(":hash", s(hash.as_str()))
        .value(":generation", n(generation))
        .value(":now", n(now.timestamp()))
}

/// Mirrors the mail's outcome on the invitation, unless a resend moved it to
/// a newer generation or it is gone, and never over a bounce or complaint
/// SES already reported for this generation's mail.
pub fn set_email_status(
    org: &OrgSlug,
    email: &Email,
    generation: u64,
    status: EmailStatus,
) -> Action {
    mark_email(org, email, generation, status)
        .when("email_status <> :bounced AND email_status <> :complained")
        .value(":bounced", s(EmailStatus::Bounced.as_str()))
        .value(":complained", s(EmailStatus::Complained.as_str()))
}

/// Records a bounce or complaint about the mail of `generation`, unless a
/// resend moved the invitation on or it is gone.
pub fn mark_email(org: &OrgSlug, email: &Email, generation: u64, status: EmailStatus) -> Action {
    Action::update(invitation_key(org, email), "SET email_status = :status")
        .when("generation = :generation")
        .value(":status", s(status.as_str()))
        .value(":generation", n(generation))
}

/// Accepting: deletes the invitation if the link's hash (the first mail's or
/// the reminder's) and generation still match and it has not expired, so a
/// link works once and the other link of the generation dies with it.
pub fn consume(inv: &Invitation, hash: &SecretHash, now: DateTime<Utc>) -> Action {
    Action::delete(invitation_key(&inv.org, &inv.email))
        .when(
            "(token_hash = :hash OR reminder_hash = :hash) \
             AND generation = :generation AND expires_at > :now",
        )
        .value(":hash", s(hash.as_str()))
        .value(":generation", n(inv.generation))
        .value(":now", n(now.timestamp()))
}

/// Revokes an invitation (never a revoked marker: deleting one would end
/// its cooldown early).
pub fn revoke(org: &OrgSlug, email: &Email) -> Action {
    Action::delete(invitation_key(org, email)).when("attribute_exists(generation)")
}

/// Revokes an invitation whose last mail's cooldown ends at `until`: a
/// revoked marker takes its place until then (TTL removes it later).
pub fn revoked(org: &OrgSlug, email: &Email, until: DateTime<Utc>) -> Action {
    let until = epoch_ceil(until);
    let mut item = typed(invitation_key(org, email), REVOKED);
    item.insert("org".into(), s(org.as_str()));
    item.insert("email".into(), s(email.as_str()));
    item.insert("expires_at".into(), n(until));
    item.insert("ttl".into(), n(until));
    Action::put(item).when("attribute_exists(generation)")
}

/// Deletes an invitation past its TTL, unless a resend renewed it meanwhile.
pub fn delete_expired(org: &OrgSlug, email: &Email, now: DateTime<Utc>) -> Action {
    Action::delete(invitation_key(org, email))
        .when("#ttl <= :now")
        .name("#ttl", "ttl")
        .value(":now", n(now.timestamp()))
}

/// An org's invitations by expiry; "expired" is a key condition against the
/// clock, not trust in TTL.
pub fn listing(org: &OrgSlug, status: StatusFilter, now: DateTime<Utc>) -> Query<Invitation> {
    let scope = format!("invitations:{org}:{}", status.as_str());
    let query = Query::partition(
        scope,
        Some(GSI1),
        ("gsi1pk", invitations_gsi1pk(org)),
        from_item,
    )
    .cursor_key("pk", Bound::Equals(org_pk(org)))
    .cursor_key("sk", Bound::StartsWith(INVITATION_PREFIX));
    // Everything sorting below the boundary expired at or before now.
    let boundary = [(":now", timed_boundary(now.timestamp()))];
    // A cursor outside the key condition's range is refused (DynamoDB would
    // refuse it too; an invitation that expired between two pages makes its
    // `pending` cursor stale).
    let query = query.cursor_key(
        "gsi1sk",
        match status {
            StatusFilter::All => Bound::Any,
            StatusFilter::Pending => Bound::AtLeast(boundary[0].1.clone()),
            StatusFilter::Expired => Bound::Below(boundary[0].1.clone()),
        },
    );
    match status {
        StatusFilter::All => query,
        StatusFilter::Pending => query.sort_key("gsi1sk >= :now", &boundary),
        StatusFilter::Expired => query.sort_key("gsi1sk < :now", &boundary),
    }
}

/// The reminder of `inv` is dealt with (queued, or skipped): the invitation
/// moves on to its expiry in the due index. Only once per generation: the
/// condition fails if it was resent, accepted or revoked meanwhile, or
/// another sweep got there first.
pub fn reminded(inv: &Invitation) -> Action {
    let (due_pk, due_sk) = expiry_due(&inv.org, &inv.email, inv.expires_at);
    Action::update(
        invitation_key(&inv.org, &inv.email),
        "SET gsi2pk = :due_pk, gsi2sk = :due_sk REMOVE remind_at",
    )
    .when("generation = :generation AND attribute_exists(remind_at)")
    .value(":due_pk", s(due_pk))
    .value(":due_sk", s(due_sk))
    .value(":generation", n(inv.generation))
}

/// An invitation due a reminder, as the due index found it: its key, and
/// the invitation unless its item is unreadable.
pub struct DueReminder {
    pub key: Item,
    pub invitation: Result<Invitation, StoreError>,
}

/// Takes an unreadable invitation out of the reminder index (and every
/// other `gsi2` partition: TTL removes it).
pub fn unindex_reminder(key: Item) -> Action {
    Action::update(key, "REMOVE gsi2pk, gsi2sk, remind_at").when("attribute_exists(remind_at)")
}

/// Invitations of one due-index shard whose invitee is due a reminder by
/// `now` (each read on its own: one unreadable item does not stop the rest).
pub fn reminders_due(shard: u32, now: DateTime<Utc>) -> Query<DueReminder> {
    Query::partition(
        format!("due-reminders:{shard}"),
        Some(GSI2),
        ("gsi2pk", due_gsi2pk(REMINDER_DUE, shard)),
        |item| {
            let key = ["pk", "sk"]
                .into_iter()
                .filter_map(|name| Some((name.to_owned(), item.get(name)?.clone())))
                .collect();
            Ok(DueReminder {
                key,
                invitation: from_item(item),
            })
        },
    )
    .sort_key(
        "gsi2sk < :until",
        &[(":until", timed_boundary(now.timestamp()))],
    )
}

/// The expiry of an invitation of this generation is recorded: it moves on
/// to its TTL in the due index. Fails if it was resent, accepted or revoked
/// meanwhile, or another sweep got there first.
pub fn expiry_recorded(
    org: &OrgSlug,
    email: &Email,
    generation: u64,
    expires_at: DateTime<Utc>,
) -> Action {
    let (expiry_pk, _) = expiry_due(org, email, expires_at);
    let (due_pk, due_sk) = deletion_due(org, email, ttl_for(expires_at));
    Action::update(
        invitation_key(org, email),
        "SET gsi2pk = :due_pk, gsi2sk = :due_sk",
    )
    .when("generation = :generation AND gsi2pk = :expiry_pk")
    .value(":due_pk", s(due_pk))
    .value(":due_sk", s(due_sk))
    .value(":expiry_pk", s(expiry_pk))
    .value(":generation", n(generation))
}

/// An invitation whose expiry is due to be recorded.
pub struct Expiring {
    pub org: OrgSlug,
    pub email: Email,
    pub id: String,
    pub generation: u64,
    pub expires_at: DateTime<Utc>,
    /// Who sent (or last resent) it.
    pub invited_by: Email,
    pub invited_by_id: Option<UserId>,
}

/// Invitations of one due-index shard that expired by `now` and whose
/// expiry is not recorded yet.
pub fn expiring(shard: u32, now: DateTime<Utc>) -> Query<Expiring> {
    Query::partition(
        format!("due-expiries:{shard}"),
        Some(GSI2),
        ("gsi2pk", due_gsi2pk(EXPIRY_DUE, shard)),
        |item| {
            let invitation = from_item(item)?;
            Ok(Expiring {
                id: invitation.id().as_str().to_owned(),
                generation: invitation.generation,
                expires_at: invitation.expires_at,
                invited_by: invitation.invited_by,
                invited_by_id: invitation.invited_by_id,
                org: invitation.org,
                email: invitation.email,
            })
        },
    )
    .sort_key(
        "gsi2sk < :until",
        &[(":until", timed_boundary(now.timestamp()))],
    )
}

/// Invitations of one due-index shard whose TTL passed by `now`: their org
/// and email.
pub fn due(shard: u32, now: DateTime<Utc>) -> Query<(OrgSlug, Email)> {
    Query::partition(
        format!("due-invitations:{shard}"),
        Some(GSI2),
        ("gsi2pk", due_gsi2pk(INVITATION_DUE, shard)),
        |item| {
            Ok((
                parsed(item, "org", OrgSlug::parse)?,
                parsed(item, "email", Email::from_stored)?,
            ))
        },
    )
    .sort_key(
        "gsi2sk < :until",
        &[(":until", timed_boundary(now.timestamp()))],
    )
}
