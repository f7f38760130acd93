//! Outbox items: mail waiting to be sent. Each lives in its own partition (a
//! bulk upload spreads its writes) and sits in the sharded `gsi2` due-index
//! until it is sent or fails for good.

use super::attrs::{get_epoch, get_list_s, get_n, get_s, get_time, key, n, parsed, s, time, typed};
use super::keys::{
    GSI2, Kind, OUTBOX_DUE, due_gsi2pk, kind_of, outbox_key, shard_of, timed_boundary, timed_sk,
};
use super::page::Query;
use super::{Action, Item, StoreError};
use crate::domain::{DeliveryStatus, Email, MailKind, OrgName, OrgSlug, OutboxMessage};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};

/// The due-index partitions of outbox mail (`keys::due_gsi2pk(DUE_KIND, shard)`).
pub const DUE_KIND: &str = OUTBOX_DUE;

/// Sent messages are kept a while for support questions, then TTL removes them.
pub const SENT_RETENTION: Duration = Duration::days(30);

fn message_key(id: &str) -> Item {
    key(outbox_key(id), outbox_key(id))
}

/// Whether a key (e.g. of a stream record) is an outbox message's.
pub fn is_message_key(key: &Item) -> bool {
    get_s(key, "sk").is_ok_and(|sk| kind_of(sk) == Kind::Outbox)
}

fn due_pk(id: &str) -> String {
    due_gsi2pk(DUE_KIND, shard_of(id))
}

fn due_sk(next_attempt_at: DateTime<Utc>, id: &str) -> String {
    timed_sk(next_attempt_at.timestamp(), id)
}

/// The item of a queued message (public for the bench's raw baseline, which writes the same shapes).
pub fn to_item(msg: &OutboxMessage) -> Item {
    let mut item = typed(message_key(&msg.id), "outbox");
    item.insert("id".into(), s(msg.id.as_str()));
    item.insert("org".into(), s(msg.org.as_str()));
    item.insert("org_name".into(), s(msg.org_name.as_str()));
    item.insert("to".into(), s(msg.to.as_str()));
    item.insert("kind".into(), s(msg.kind.name()));
    item.insert("status".into(), s(msg.status.as_str()));
    item.insert("attempts".into(), n(msg.attempts));
    item.insert("created_at".into(), time(msg.created_at));
    item.insert("next_attempt_at".into(), n(msg.next_attempt_at.timestamp()));
    if let MailKind::ExpiredDigest { emails, total } = &msg.kind {
        let listed = emails.iter().map(|e| s(e.as_str())).collect();
        item.insert("emails".into(), AttributeValue::L(listed));
        item.insert("total".into(), n(total));
    }
    // A reminder is stored as its kind's name alone: the fields are the same.
    if let MailKind::Invitation {
        invited_by,
        generation,
        expires_at,
        reminder: _,
    } = &msg.kind
    {
        item.insert("invited_by".into(), s(invited_by.as_str()));
        item.insert("generation".into(), n(generation));
        item.insert("expires_at".into(), n(expires_at.timestamp()));
    }
    item.insert("gsi2pk".into(), s(due_pk(&msg.id)));
    item.insert("gsi2sk".into(), s(due_sk(msg.next_attempt_at, &msg.id)));
    item
}

pub fn from_item(item: &Item) -> Result<OutboxMessage, StoreError> {
    let kind = match get_s(item, "kind")? {
        kind @ ("invitation" | "reminder") => MailKind::Invitation {
            invited_by: parsed(item, "invited_by", Email::from_stored)?,
            generation: get_n(item, "generation")?,
            expires_at: get_epoch(item, "expires_at")?,
            reminder: kind == "reminder",
        },
        "seat" => MailKind::SeatAssigned,
        "webhook_disabled" => MailKind::WebhookDisabled,
        "expired_digest" => MailKind::ExpiredDigest {
            emails: get_list_s(item, "emails")?
                .iter()
                .map(|e| Email::from_stored(e))
                .collect::<Result<_, _>>()
                .map_err(StoreError::corrupt)?,
            total: get_n(item, "total")?,
        },
        other => return Err(StoreError::Corrupt(format!("unknown mail kind {other}"))),
    };
    Ok(OutboxMessage {
        id: get_s(item, "id")?.to_owned(),
        org: parsed(item, "org", OrgSlug::parse)?,
        org_name: parsed(item, "org_name", OrgName::stored)?,
        to: parsed(item, "to", Email::from_stored)?,
        kind,
        status: DeliveryStatus::parse(get_s(item, "status")?)
            .ok_or_else(|| StoreError::Corrupt("status".into()))?,
        attempts: get_n(item, "attempts")?,
        next_attempt_at: get_epoch(item, "next_attempt_at")?,
        created_at: get_time(item, "created_at")?,
    })
}

/// Queues a message, written with the change that causes it.
pub fn enqueue(msg: &OutboxMessage) -> Action {
    Action::put_new(to_item(msg))
}

/// Claims a message for one delivery attempt: only one worker wins (the
/// status and attempt count must still be as read). The claim lapses at
/// `until`, when the sweep may take the message over.
pub fn claim(msg: &OutboxMessage, until: DateTime<Utc>) -> Action {
    Action::update(
        message_key(&msg.id),
        "SET #status = :sending, attempts = :attempt, next_attempt_at = :until, gsi2sk = :due",
    )
    .when("#status = :seen_status AND attempts = :seen_attempts")
    .name("#status", "status")
    .value(":sending", s(DeliveryStatus::Sending.as_str()))
    .value(":attempt", n(msg.attempts + 1))
    .value(":until", n(until.timestamp()))
    .value(":due", s(due_sk(until, &msg.id)))
    .value(":seen_status", s(msg.status.as_str()))
    .value(":seen_attempts", n(msg.attempts))
}

/// Records a claimed attempt's outcome: queued again for `retry_at`, or
/// done (sent or given up): out of the due index, kept a while, then TTL.
pub fn finish(
    msg: &OutboxMessage,
    status: DeliveryStatus,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Action {
    let action = match retry_at {
        Some(at) => Action::update(
            message_key(&msg.id),
            "SET #status = :status, next_attempt_at = :at, gsi2sk = :due",
        )
        .value(":at", n(at.timestamp()))
        .value(":due", s(due_sk(at, &msg.id))),
        None => Action::update(
            message_key(&msg.id),
            "SET #status = :status, #ttl = :ttl, finished_at = :now REMOVE gsi2pk, gsi2sk",
        )
        .name("#ttl", "ttl")
        .value(":ttl", n((now + SENT_RETENTION).timestamp()))
        .value(":now", n(now.timestamp())),
    };
    action
        .name("#status", "status")
        .value(":status", s(status.as_str()))
}

/// Messages of one due-index shard due by `now`. Each decodes on its own, so
/// one unreadable item does not hold up the others.
pub fn due(shard: u32, now: DateTime<Utc>) -> Query<Result<OutboxMessage, StoreError>> {
    Query::partition(
        format!("due-outbox:{shard}"),
        Some(GSI2),
        ("gsi2pk", due_gsi2pk(DUE_KIND, shard)),
        |item| Ok(from_item(item)),
    )
    .sort_key(
        "gsi2sk < :until",
        &[(":until", timed_boundary(now.timestamp()))],
    )
}
