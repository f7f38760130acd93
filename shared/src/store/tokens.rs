//! Access token items: one in the org partition (listing, revoking by id) and
//! one lookup item keyed by the secret's hash (introspection). Both are
//! written and deleted together; TTL removes them after expiry.

use super::attrs::{get_list_s, get_n, get_s, get_time, key, n, s, time};
use super::keys::{TOKEN_HASH_SK, org_pk, token_hash_pk, token_sk, tokens_gsi1pk};
use super::{Item, StoreError};
use crate::domain::{ChannelScope, OrgSlug, SecretHash, TokenName, UserId};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq)]
pub struct StoredToken {
    pub id: String,
    pub org: OrgSlug,
    pub user_id: UserId,
    pub name: TokenName,
    pub channels: ChannelScope,
    /// The member's seat epoch when issued: the token dies with that seat.
    pub seat_epoch: u64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub hash: SecretHash,
}

pub fn token_key(org: &OrgSlug, id: &str) -> Item {
    key(org_pk(org), token_sk(id))
}

pub fn lookup_key(hash: &SecretHash) -> Item {
    key(token_hash_pk(hash.as_str()), TOKEN_HASH_SK)
}

fn common(token: &StoredToken, mut item: Item) -> Item {
    item.insert("id".into(), s(token.id.as_str()));
    item.insert("org".into(), s(token.org.as_str()));
    item.insert("user_id".into(), s(token.user_id.as_str()));
    item.insert("name".into(), s(token.name.as_str()));
    item.insert(
        "channels".into(),
        AttributeValue::L(token.channels.to_strings().into_iter().map(s).collect()),
    );
    item.insert("seat_epoch".into(), n(token.seat_epoch));
    item.insert("created_at".into(), time(token.created_at));
    item.insert("expires_at".into(), time(token.expires_at));
    item.insert("hash".into(), s(token.hash.as_str()));
    item.insert("ttl".into(), n(token.expires_at.timestamp()));
    item
}

pub fn to_item(token: &StoredToken) -> Item {
    let mut item = common(token, token_key(&token.org, &token.id));
    item.insert("type".into(), s("token"));
    item.insert(
        "gsi1pk".into(),
        s(tokens_gsi1pk(&token.org, &token.user_id)),
    );
    item.insert(
        "gsi1sk".into(),
        s(format!(
            "{}#{}",
            token.created_at.timestamp_millis(),
            token.id
        )),
    );
    item
}

pub fn to_lookup_item(token: &StoredToken) -> Item {
    let mut item = common(token, lookup_key(&token.hash));
    item.insert("type".into(), s("token_lookup"));
    item
}

pub fn from_item(item: &Item) -> Result<StoredToken, StoreError> {
    let corrupt = |e: crate::domain::Invalid| StoreError::Corrupt(e.to_string());
    Ok(StoredToken {
        id: get_s(item, "id")?.to_owned(),
        org: OrgSlug::parse(get_s(item, "org")?).map_err(corrupt)?,
        user_id: UserId::parse(get_s(item, "user_id")?).map_err(corrupt)?,
        name: TokenName::parse(get_s(item, "name")?).map_err(corrupt)?,
        channels: ChannelScope::parse(&get_list_s(item, "channels")?).map_err(corrupt)?,
        seat_epoch: get_n(item, "seat_epoch")?,
        created_at: get_time(item, "created_at")?,
        expires_at: get_time(item, "expires_at")?,
        hash: SecretHash::from_stored(get_s(item, "hash")?.to_owned()),
    })
}
