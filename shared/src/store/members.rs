//! Member items and the per-org email index item that makes an email a
//! member at most once.

use super::attrs::{get_n, get_s, get_time, key, n, opt_time, s, time};
use super::keys::{member_email_sk, member_sk, org_pk, user_gsi1pk};
use super::{Item, StoreError};
use crate::domain::{Email, Member, OrgSlug, Role, UserId};

pub fn member_key(org: &OrgSlug, user: &UserId) -> Item {
    key(org_pk(org), member_sk(user))
}

pub fn member_email_key(org: &OrgSlug, email: &Email) -> Item {
    key(org_pk(org), member_email_sk(email))
}

pub fn to_item(org: &OrgSlug, member: &Member) -> Item {
    let mut item = member_key(org, &member.user_id);
    item.insert("type".into(), s("member"));
    item.insert("org".into(), s(org.as_str()));
    item.insert("user_id".into(), s(member.user_id.as_str()));
    item.insert("email".into(), s(member.email.as_str()));
    item.insert("role".into(), s(member.role.as_str()));
    item.insert("seat_epoch".into(), n(member.seat_epoch));
    item.insert("joined_at".into(), time(member.joined_at));
    if let Some(at) = member.seat_assigned_at {
        item.insert("seat_assigned_at".into(), time(at));
    }
    item.insert("gsi1pk".into(), s(user_gsi1pk(&member.user_id)));
    item.insert("gsi1sk".into(), s(org_pk(org)));
    item
}

pub fn email_item(org: &OrgSlug, member: &Member) -> Item {
    let mut item = member_email_key(org, &member.email);
    item.insert("type".into(), s("member_email"));
    item.insert("user_id".into(), s(member.user_id.as_str()));
    item
}

pub fn from_item(item: &Item) -> Result<Member, StoreError> {
    let corrupt = |e: crate::domain::Invalid| StoreError::Corrupt(e.to_string());
    Ok(Member {
        user_id: UserId::parse(get_s(item, "user_id")?).map_err(corrupt)?,
        email: Email::parse(get_s(item, "email")?).map_err(corrupt)?,
        role: Role::parse(get_s(item, "role")?).map_err(corrupt)?,
        seat_assigned_at: opt_time(item, "seat_assigned_at")?,
        seat_epoch: get_n(item, "seat_epoch")?,
        joined_at: get_time(item, "joined_at")?,
    })
}

pub fn org_of(item: &Item) -> Result<OrgSlug, StoreError> {
    OrgSlug::parse(get_s(item, "org")?).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub fn is_member_item(item: &Item, user: &UserId) -> bool {
    item.get("sk").and_then(|v| v.as_s().ok()) == Some(&member_sk(user))
}
