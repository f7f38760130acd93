//! The attributes access token and API key items share (their
//! [`Credential`]): each kind's module adds its own.

use super::attrs::{get_s, get_time, opt_time, parsed, s, time};
use super::{Item, StoreError};
use crate::domain::{Credential, OrgSlug, SecretHash, TokenName};

pub fn put(item: &mut Item, c: &Credential) {
    item.insert("id".into(), s(c.id.as_str()));
    item.insert("org".into(), s(c.org.as_str()));
    item.insert("name".into(), s(c.name.as_str()));
    item.insert("created_at".into(), time(c.created_at));
    item.insert("expires_at".into(), time(c.expires_at));
    item.insert("hash".into(), s(c.hash.as_str()));
}

pub fn from_item(item: &Item) -> Result<Credential, StoreError> {
    Ok(Credential {
        id: get_s(item, "id")?.to_owned(),
        org: parsed(item, "org", OrgSlug::parse)?,
        name: parsed(item, "name", TokenName::parse)?,
        created_at: get_time(item, "created_at")?,
        expires_at: get_time(item, "expires_at")?,
        last_used_at: opt_time(item, "last_used_at")?,
        hash: SecretHash::from_stored(get_s(item, "hash")?.to_owned()),
    })
}
