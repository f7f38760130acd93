//! API key items: one in the org partition (listing, revoking by id, and the
//! authorizing read of every request the key makes) and one lookup item keyed
//! by the secret's hash (the authorizer). Both are written and deleted
//! together; TTL removes them 30 days after expiry.

use super::attrs::{n, opt_s, parsed, s, typed};
use super::credentials::{self, CredentialItems};
use super::keys::{API_KEY_PREFIX, KEY_HASH_SK, api_key_sk, key_hash_pk};
use super::page::Query;
use super::{Action, Item, Store, StoreError, Transaction};
use crate::domain::api_key::KeyScope;
use crate::domain::{ApiKey, Email, OrgSlug, Role, SecretHash, UserId};
use chrono::{DateTime, Duration, Utc};

/// How long an expired key stays listed (as expired) before TTL removes it.
const KEPT_AFTER_EXPIRY: Duration = Duration::days(30);

/// A key's item in its org's partition and its lookup item.
pub const ITEMS: CredentialItems = CredentialItems {
    sk: api_key_sk,
    lookup_pk: key_hash_pk,
    lookup_sk: KEY_HASH_SK,
};

fn to_item(k: &ApiKey, key: Item, kind: &str) -> Item {
    let mut item = typed(key, kind);
    credentials::put(&mut item, &k.credential);
    item.insert("role".into(), s(k.role.as_str()));
    item.insert("created_by".into(), s(k.created_by.as_str()));
    item.insert("created_by_email".into(), s(k.created_by_email.as_str()));
    item.insert("scope".into(), s(k.scope.as_str()));
    item.insert(
        "ttl".into(),
        n((k.credential.expires_at + KEPT_AFTER_EXPIRY).timestamp()),
    );
    item
}

pub fn from_item(item: &Item) -> Result<ApiKey, StoreError> {
    Ok(ApiKey {
        credential: credentials::from_item(item)?,
        role: parsed(item, "role", Role::parse)?,
        created_by: parsed(item, "created_by", UserId::parse)?,
        created_by_email: parsed(item, "created_by_email", Email::from_stored)?,
        // Keys from before scopes are API keys.
        scope: match opt_s(item, "scope") {
            None => KeyScope::Api,
            Some(raw) => KeyScope::parse(raw).map_err(StoreError::corrupt)?,
        },
    })
}

/// Both items of a new key.
pub fn create(k: &ApiKey) -> [Action; 2] {
    [
        Action::put_new(to_item(k, ITEMS.own_key(&k.credential), "api_key")),
        Action::put_new(to_item(
            k,
            ITEMS.lookup_key(&k.credential.hash),
            "api_key_lookup",
        )),
    ]
}

/// Both items of a key; the first fails if it is already gone.
pub fn revoke(k: &ApiKey) -> [Action; 2] {
    ITEMS.revoke(&k.credential)
}

/// The key still exists with one of `roles`: what an invitation it sent to an
/// elevated role needs when accepted (as [`super::members::holds_role`] for a
/// person).
pub fn holds_role(org: &OrgSlug, id: &str, roles: &[Role]) -> Action {
    super::members::role_among(ITEMS.key(org, id), roles)
}

/// The key still exists (not revoked): the guard of a write a key makes.
pub fn still_valid(org: &OrgSlug, id: &str) -> Action {
    Action::check(ITEMS.key(org, id)).when("attribute_exists(pk)")
}

/// An org's keys, newest first (ids are UUIDv7: they sort by creation).
pub fn listing(org: &OrgSlug) -> Query<ApiKey> {
    Query::org_items("api_keys", org, API_KEY_PREFIX, from_item).newest_first()
}

impl Store {
    /// The key whose secret hashes to `hash`, if it exists (not revoked, not
    /// yet removed by TTL).
    pub async fn api_key_by_hash(&self, hash: &SecretHash) -> Result<Option<ApiKey>, StoreError> {
        self.get_as(ITEMS.lookup_key(hash), from_item).await
    }

    /// Records a use of `k` at `now` on both its items, unless it was revoked
    /// meanwhile (then nothing is written, and that is no error).
    pub async fn record_api_key_use(
        &self,
        k: &ApiKey,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let touch = |item: Item| Action::record_use(item, "last_used_at", now);
        let mut tx = Transaction::new();
        tx.push("key", touch(ITEMS.own_key(&k.credential)))
            .push("lookup", touch(ITEMS.lookup_key(&k.credential.hash)));
        match self.transact(tx).await {
            Err(err) if err.is_condition_failed() => Ok(()),
            other => other,
        }
    }
}
