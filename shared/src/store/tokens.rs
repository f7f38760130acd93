//! Access token items: one in the org partition (listing, revoking by id) and
//! one lookup item keyed by the secret's hash (introspection). Both are
//! written and deleted together; TTL removes them after expiry.

use super::attrs::{get_list_s, get_n, n, parsed, s, time, typed};
use super::credentials::{self, CredentialItems};
use super::keys::{
    GSI1, TOKEN_HASH_SK, TOKEN_PREFIX, org_pk, token_created_sk, token_hash_pk, token_sk,
    tokens_gsi1pk,
};
use super::page::{Bound, Query};
use super::{Action, Item, Store, StoreError, Transaction};
use crate::domain::time::LAST_USE_GRANULARITY;
use crate::domain::{AccessToken, ChannelScope, OrgSlug, SecretHash, UserId};
use aws_sdk_dynamodb::types::AttributeValue;

/// A token's item in its org's partition and its lookup item.
pub const ITEMS: CredentialItems = CredentialItems {
    sk: token_sk,
    lookup_pk: token_hash_pk,
    lookup_sk: TOKEN_HASH_SK,
};

fn common(token: &AccessToken, mut item: Item) -> Item {
    credentials::put(&mut item, &token.credential);
    item.insert("user_id".into(), s(token.user_id.as_str()));
    item.insert(
        "channels".into(),
        AttributeValue::L(token.channels.to_strings().into_iter().map(s).collect()),
    );
    item.insert("seat_epoch".into(), n(token.seat_epoch));
    item.insert("ttl".into(), n(token.credential.expires_at.timestamp()));
    item
}

fn to_item(token: &AccessToken) -> Item {
    let mut item = typed(common(token, ITEMS.own_key(&token.credential)), "token");
    item.insert(
        "gsi1pk".into(),
        s(tokens_gsi1pk(&token.credential.org, &token.user_id)),
    );
    item.insert(
        "gsi1sk".into(),
        s(token_created_sk(
            token.credential.created_at.timestamp_millis(),
            &token.credential.id,
        )),
    );
    item
}

fn to_lookup_item(token: &AccessToken) -> Item {
    typed(
        common(token, ITEMS.lookup_key(&token.credential.hash)),
        "token_lookup",
    )
}

pub fn from_item(item: &Item) -> Result<AccessToken, StoreError> {
    Ok(AccessToken {
        credential: credentials::from_item(item)?,
        user_id: parsed(item, "user_id", UserId::parse)?,
        channels: ChannelScope::parse(&get_list_s(item, "channels")?)
            .map_err(StoreError::corrupt)?,
        seat_epoch: get_n(item, "seat_epoch")?,
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
    ITEMS.revoke(&token.credential)
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
/// per token ([`crate::domain::Credential::use_is_stale`]).
pub fn record_use(token: &AccessToken, now: chrono::DateTime<chrono::Utc>) -> Transaction {
    let seat = Action::record_use(
        super::members::member_key(&token.credential.org, &token.user_id),
        super::members::SEAT_LAST_USED_AT,
        now,
    )
    .when("attribute_exists(seat_assigned_at) AND seat_epoch = :epoch")
    .value(":epoch", n(token.seat_epoch));
    // Only the first of several checks at the turn of the hour writes; the
    // others fail this condition and are dropped quietly.
    let token_item = Action::record_use(ITEMS.own_key(&token.credential), "last_used_at", now)
        .when("attribute_not_exists(#used) OR #used <= :stale")
        .value(":stale", time(now - LAST_USE_GRANULARITY));
    let mut tx = Transaction::new();
    tx.push("token", token_item)
        .push(
            "lookup",
            Action::record_use(
                ITEMS.lookup_key(&token.credential.hash),
                "last_used_at",
                now,
            ),
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
        self.get_as(ITEMS.lookup_key(hash), from_item).await
    }
}
