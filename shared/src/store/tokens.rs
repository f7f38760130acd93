//! Access token items: one in the org partition (listing, revoking by id) and
//! one lookup item keyed by the secret's hash (introspection). Both are
//! written and deleted together; TTL removes them after expiry.

use super::attrs::{get_list_s, get_n, get_s, get_time, key, n, opt_time, s, time};
use super::keys::{
    GSI1, TOKEN_HASH_SK, TOKEN_PREFIX, org_pk, token_created_sk, token_hash_pk, token_sk,
    tokens_gsi1pk,
};
use super::page::{Bound, Query};
use super::{Action, Item, Store, StoreError, Transaction};
use crate::domain::time::LAST_USE_GRANULARITY;
use crate::domain::{AccessToken, ChannelScope, OrgSlug, SecretHash, TokenName, UserId};
use aws_sdk_dynamodb::types::AttributeValue;

pub fn token_key(org: &OrgSlug, id: &str) -> Item {
    key(org_pk(org), token_sk(id))
}

fn lookup_key(hash: &SecretHash) -> Item {
    key(token_hash_pk(hash.as_str()), TOKEN_HASH_SK)
}

fn common(token: &AccessToken, mut item: Item) -> Item {
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

fn to_item(token: &AccessToken) -> Item {
    let mut item = common(token, token_key(&token.org, &token.id));
    item.insert("type".into(), s("token"));
    item.insert(
        "gsi1pk".into(),
        s(tokens_gsi1pk(&token.org, &token.user_id)),
    );
    item.insert(
        "gsi1sk".into(),
        s(token_created_sk(
            token.created_at.timestamp_millis(),
            &token.id,
        )),
    );
    item
}

fn to_lookup_item(token: &AccessToken) -> Item {
    let mut item = common(token, lookup_key(&token.hash));
    item.insert("type".into(), s("token_lookup"));
    item
}

pub fn from_item(item: &Item) -> Result<AccessToken, StoreError> {
    let corrupt = StoreError::corrupt;
    Ok(AccessToken {
        id: get_s(item, "id")?.to_owned(),
        org: OrgSlug::parse(get_s(item, "org")?).map_err(corrupt)?,
        user_id: UserId::parse(get_s(item, "user_id")?).map_err(corrupt)?,
        name: TokenName::parse(get_s(item, "name")?).map_err(corrupt)?,
        channels: ChannelScope::parse(&get_list_s(item, "channels")?).map_err(corrupt)?,
        seat_epoch: get_n(item, "seat_epoch")?,
        created_at: get_time(item, "created_at")?,
        expires_at: get_time(item, "expires_at")?,
        last_used_at: opt_time(item, "last_used_at")?,
        hash: SecretHash::from_stored(get_s(item, "hash")?.to_owned()),
    })
}

/// Both items of a new token.
pub fn create(token: &AccessToken) -> [Action; 2] {
    [
        Action::put_new(to_item(token)),
        Action::put_new(to_lookup_item(token)),
    ]
}

/// Both items of a token; the first fails if it is already gone.
pub fn revoke(token: &AccessToken) -> [Action; 2] {
    [
        Action::delete(token_key(&token.org, &token.id)).when("attribute_exists(pk)"),
        Action::delete(lookup_key(&token.hash)),
    ]
}

/// One holder's tokens in an org, newest first.
pub fn listing(org: &OrgSlug, holder: &UserId) -> Query<AccessToken> {
    Query::partition(
        format!("tokens:{org}:{holder}"),
        Some(GSI1),
        ("gsi1pk", tokens_gsi1pk(org, holder)),
        from_item,
    )
    .newest_first()
    .cursor_key("pk", Bound::Equals(org_pk(org)))
    .cursor_key("sk", Bound::StartsWith(TOKEN_PREFIX))
    .cursor_key("gsi1sk", Bound::Any)
}

/// A use of `token` at `now`, on both its items and on its seat (which must
/// still be the one it was issued under): one transaction, at most hourly
/// per token ([`AccessToken::use_is_stale`]).
pub fn record_use(token: &AccessToken, now: chrono::DateTime<chrono::Utc>) -> Transaction {
    let seat = Action::record_use(
        super::members::member_key(&token.org, &token.user_id),
        super::members::SEAT_LAST_USED_AT,
        now,
    )
    .when("attribute_exists(seat_assigned_at) AND seat_epoch = :epoch")
    .value(":epoch", n(token.seat_epoch));
    // Only the first of several checks at the turn of the hour writes; the
    // others fail this condition and are dropped quietly.
    let token_item = Action::record_use(token_key(&token.org, &token.id), "last_used_at", now)
        .when("attribute_not_exists(#used) OR #used <= :stale")
        .value(":stale", time(now - LAST_USE_GRANULARITY));
    let mut tx = Transaction::new();
    tx.push("token", token_item)
        .push(
            "lookup",
            Action::record_use(lookup_key(&token.hash), "last_used_at", now),
        )
        .push("seat", seat);
    tx
}

impl Store {
    /// The token whose secret hashes to `hash`, if it exists (not revoked,
    /// not yet removed by TTL).
    pub async fn token_by_hash(
        &self,
        hash: &SecretHash,
    ) -> Result<Option<AccessToken>, StoreError> {
        self.get(lookup_key(hash))
            .await?
            .map(|item| from_item(&item))
            .transpose()
    }
}
