//! Invitation items: one per (org, email), listed by expiry through `gsi1`
//! and found by the sweep through `gsi2` once past their TTL.

use super::attrs::{get_bool, get_n, get_s, get_time, key, n, opt_s, s, sortable_epoch, time};
use super::keys::{GSI1, due_gsi2pk, invitation_sk, invitations_gsi1pk, org_pk, shard_of};
use super::{Item, StoreError};
use crate::domain::invitation::ttl_for;
use crate::domain::{Email, EmailStatus, Invitation, OrgSlug, Role, SecretHash};

pub const DUE_KIND: &str = "INV";

pub fn invitation_key(org: &OrgSlug, email: &Email) -> Item {
    key(org_pk(org), invitation_sk(email))
}

pub fn to_item(inv: &Invitation) -> Item {
    let id = inv.id();
    let mut item = invitation_key(&inv.org, &inv.email);
    let ttl = ttl_for(inv.expires_at);
    item.insert("type".into(), s("invitation"));
    item.insert("org".into(), s(inv.org.as_str()));
    item.insert("id".into(), s(id.as_str()));
    item.insert("email".into(), s(inv.email.as_str()));
    item.insert("role".into(), s(inv.role.as_str()));
    item.insert("seat".into(), super::attrs::b(inv.seat));
    item.insert("invited_by".into(), s(inv.invited_by.as_str()));
    item.insert("created_at".into(), time(inv.created_at));
    item.insert("expires_at".into(), n(inv.expires_at.timestamp()));
    item.insert("generation".into(), n(inv.generation));
    item.insert("email_status".into(), s(inv.email_status.as_str()));
    if let Some(hash) = &inv.token_hash {
        item.insert("token_hash".into(), s(hash.as_str()));
    }
    item.insert("ttl".into(), n(ttl));
    item.insert("gsi1pk".into(), s(invitations_gsi1pk(&inv.org)));
    item.insert(
        "gsi1sk".into(),
        s(expiry_sort_key(inv.expires_at.timestamp(), id.as_str())),
    );
    item.insert(
        "gsi2pk".into(),
        s(due_gsi2pk(DUE_KIND, shard_of(id.as_str()))),
    );
    item.insert(
        "gsi2sk".into(),
        s(format!("{}#{}#{}", sortable_epoch(ttl), inv.org, id)),
    );
    item
}

pub fn expiry_sort_key(expires_at: i64, id: &str) -> String {
    format!("{}#{id}", sortable_epoch(expires_at))
}

pub fn from_item(item: &Item) -> Result<Invitation, StoreError> {
    let corrupt = |e: crate::domain::Invalid| StoreError::Corrupt(e.to_string());
    let expires_at: i64 = get_n(item, "expires_at")?;
    Ok(Invitation {
        org: OrgSlug::parse(get_s(item, "org")?).map_err(corrupt)?,
        email: Email::parse(get_s(item, "email")?).map_err(corrupt)?,
        role: Role::parse(get_s(item, "role")?).map_err(corrupt)?,
        seat: get_bool(item, "seat")?,
        invited_by: Email::parse(get_s(item, "invited_by")?).map_err(corrupt)?,
        created_at: get_time(item, "created_at")?,
        expires_at: chrono::DateTime::from_timestamp(expires_at, 0)
            .ok_or_else(|| StoreError::Corrupt("expires_at out of range".into()))?,
        generation: get_n(item, "generation")?,
        token_hash: opt_s(item, "token_hash").map(|h| SecretHash::from_stored(h.to_owned())),
        email_status: EmailStatus::parse(get_s(item, "email_status")?)
            .ok_or_else(|| StoreError::Corrupt("email_status".into()))?,
    })
}

pub fn is_invitation_item(item: &Item) -> bool {
    item.get("sk")
        .and_then(|v| v.as_s().ok())
        .is_some_and(|sk| sk.starts_with("INV#"))
}

pub const INDEX: &str = GSI1;
