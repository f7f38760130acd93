//! What access token and API key items share: where they are kept, and the
//! attributes of their [`Credential`] (each kind's module adds its own).

use super::attrs::{get_s, get_time, key, opt_time, parsed, s, time};
use super::keys::org_pk;
use super::{Action, Item, StoreError};
use crate::domain::{Credential, OrgSlug, SecretHash, TokenName};

/// Where one kind of credential is kept: an item in its org's partition
/// (listing, revoking by id) and a lookup item keyed by the secret's hash
/// (what a presented secret is checked against). Both are written and
/// deleted together.
pub struct CredentialItems {
    /// The org item's sort key, from the credential's id.
    pub sk: fn(&str) -> String,
    /// The lookup item's partition key, from the secret's hash.
    pub lookup_pk: fn(&str) -> String,
    /// The lookup item's sort key (one item per hash).
    pub lookup_sk: &'static str,
}

impl CredentialItems {
    /// The key of credential `id`'s item in `org`'s partition.
    pub fn key(&self, org: &OrgSlug, id: &str) -> Item {
        key(org_pk(org), (self.sk)(id))
    }

    /// [`Self::key`] of `c`'s own item.
    pub fn own_key(&self, c: &Credential) -> Item {
        self.key(&c.org, &c.id)
    }

    /// The key of the lookup item of the secret that hashes to `hash`.
    pub fn lookup_key(&self, hash: &SecretHash) -> Item {
        key((self.lookup_pk)(hash.as_str()), self.lookup_sk)
    }

    /// Both items of `c`; the first fails if it is already gone.
    pub fn revoke(&self, c: &Credential) -> [Action; 2] {
        [
            Action::delete(self.own_key(c)).when("attribute_exists(pk)"),
            Action::delete(self.lookup_key(&c.hash)),
        ]
    }
}

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
