//! Outbox items: mail waiting to be sent. Each lives in its own partition (a
//! bulk upload spreads its writes) and sits in the sharded `gsi2` due-index
//! until it is sent or fails for good.

use super::attrs::{get_n, get_s, get_time, key, n, s, sortable_epoch, time};
use super::keys::{due_gsi2pk, outbox_key, shard_of};
use super::{Item, StoreError};
use crate::domain::{DeliveryStatus, Email, MailKind, OrgName, OrgSlug, OutboxMessage};
use chrono::{DateTime, Duration, Utc};

pub const DUE_KIND: &str = "OUTBOX";

/// Sent messages are kept a while for support questions, then TTL removes them.
pub const SENT_RETENTION: Duration = Duration::days(30);

pub fn message_key(id: &str) -> Item {
    key(outbox_key(id), outbox_key(id))
}

pub fn due_pk(id: &str) -> String {
    due_gsi2pk(DUE_KIND, shard_of(id))
}

pub fn due_sk(next_attempt_at: DateTime<Utc>, id: &str) -> String {
    format!("{}#{id}", sortable_epoch(next_attempt_at.timestamp()))
}

pub fn to_item(msg: &OutboxMessage) -> Item {
    let mut item = message_key(&msg.id);
    item.insert("type".into(), s("outbox"));
    item.insert("id".into(), s(msg.id.as_str()));
    item.insert("org".into(), s(msg.org.as_str()));
    item.insert("org_name".into(), s(msg.org_name.as_str()));
    item.insert("to".into(), s(msg.to.as_str()));
    item.insert("kind".into(), s(msg.kind.name()));
    item.insert("status".into(), s(msg.status.as_str()));
    item.insert("attempts".into(), n(msg.attempts));
    item.insert("created_at".into(), time(msg.created_at));
    item.insert("next_attempt_at".into(), n(msg.next_attempt_at.timestamp()));
    if let MailKind::Invitation {
        invited_by,
        generation,
        expires_at,
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
    let corrupt = |e: crate::domain::Invalid| StoreError::Corrupt(e.to_string());
    let epoch = |name: &str| -> Result<DateTime<Utc>, StoreError> {
        DateTime::from_timestamp(get_n(item, name)?, 0)
            .ok_or_else(|| StoreError::Corrupt(format!("{name} out of range")))
    };
    let kind = match get_s(item, "kind")? {
        "invitation" => MailKind::Invitation {
            invited_by: Email::parse(get_s(item, "invited_by")?).map_err(corrupt)?,
            generation: get_n(item, "generation")?,
            expires_at: epoch("expires_at")?,
        },
        "seat" => MailKind::SeatAssigned,
        other => return Err(StoreError::Corrupt(format!("unknown mail kind {other}"))),
    };
    Ok(OutboxMessage {
        id: get_s(item, "id")?.to_owned(),
        org: OrgSlug::parse(get_s(item, "org")?).map_err(corrupt)?,
        org_name: OrgName::stored(get_s(item, "org_name")?).map_err(corrupt)?,
        to: Email::parse(get_s(item, "to")?).map_err(corrupt)?,
        kind,
        status: DeliveryStatus::parse(get_s(item, "status")?)
            .ok_or_else(|| StoreError::Corrupt("status".into()))?,
        attempts: get_n(item, "attempts")?,
        next_attempt_at: epoch("next_attempt_at")?,
        created_at: get_time(item, "created_at")?,
    })
}
