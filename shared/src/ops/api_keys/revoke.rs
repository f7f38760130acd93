//! `DELETE /orgs/{org}/api-keys/{id}`: both key items go in one transaction;
//! the key's next request is refused by the authorizer, and a request already
//! past it fails its write's guard ([`crate::ops::Membership::guard`]).

use crate::App;
use crate::domain::{Action, OrgSlug};
use crate::ops::commit::Audit;
use crate::ops::{Caller, Membership, OpError};
use crate::store::{Reads, Transaction, api_keys};
use serde_json::json;

pub struct KeyRef {
    pub org: OrgSlug,
    pub id: uuid::Uuid,
}

/// Calls: the authorizing read (with the key) and one transaction.
pub async fn revoke_api_key(app: &App, caller: &Caller, input: KeyRef) -> Result<(), OpError> {
    caller.require_person()?;
    let (slug, id) = (&input.org, input.id.to_string());
    let reads = Reads::new().api_key(slug, &id);
    let membership = Membership::authorize(app, slug, caller, reads, Action::ManageApiKeys).await?;
    let key = membership
        .found
        .api_key(&id)
        .cloned()
        .ok_or(OpError::ApiKeyNotFound)?;
    let [entry, lookup] = api_keys::revoke(&key);
    let mut tx = Transaction::new();
    tx.push("key", entry).push("lookup", lookup);
    let audit = Audit::new(
        "api_key.revoked",
        key.credential.id.as_str(),
        json!({"key_id": key.credential.id, "name": key.credential.name}),
    );
    match membership.commit(app, tx, audit).await? {
        Ok(()) => Ok(()),
        Err(lost) if lost.on("key") => Err(OpError::ApiKeyNotFound),
        Err(lost) => Err(lost.into()),
    }
}
