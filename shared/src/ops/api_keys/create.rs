//! `POST /orgs/{org}/api-keys`: an admin creates a key with a role and a
//! lifetime; its `rk_` secret is in the 201 answer only.

use crate::App;
use crate::domain::api_key::KeyScope;
use crate::domain::time::rfc3339;
use crate::domain::{
    Action, ApiKey, Credential, OrgSlug, PrefixedSecret, Role, TokenName, TokenTtlDays,
};
use crate::ops::{Caller, Membership, OpError};
use crate::store::{Reads, Transaction, api_keys};
use chrono::{DateTime, Utc};
use serde_json::json;

pub struct NewKey {
    pub org: OrgSlug,
    pub name: TokenName,
    /// Admin or billing manager ([`crate::domain::api_key::parse_role`]).
    pub role: Role,
    pub ttl: TokenTtlDays,
    /// The API, or directory sync (SCIM) only.
    pub scope: KeyScope,
}

pub struct CreatedKey {
    pub key: ApiKey,
    /// The plaintext, for the 201 answer only.
    pub secret: String,
}

/// Calls: the authorizing read and one transaction (both key items, the
/// audit entry, the caller's role guard).
pub async fn create_api_key(
    app: &App,
    caller: &Caller,
    input: NewKey,
) -> Result<CreatedKey, OpError> {
    caller.require_person()?;
    caller.require_verified()?;
    let membership =
        Membership::authorize(app, &input.org, caller, Reads::new(), Action::ManageApiKeys).await?;
    let secret = ApiKey::new_secret();
    let key = new_key(&membership, &input, &secret, app.now());
    let [entry, lookup] = api_keys::create(&key);
    let mut tx = Transaction::new();
    tx.push("key", entry).push("lookup", lookup);
    let c = &key.credential;
    let detail = json!({"key_id": c.id, "name": c.name, "role": key.role.as_str(),
        "scope": key.scope.as_str(), "expires_at": rfc3339(c.expires_at)});
    let audit = crate::ops::commit::Audit::new("api_key.created", c.id.as_str(), detail);
    membership.commit(app, tx, audit).await??;
    Ok(CreatedKey {
        key,
        secret: secret.expose(),
    })
}

fn new_key(
    creator: &Membership,
    input: &NewKey,
    secret: &PrefixedSecret,
    now: DateTime<Utc>,
) -> ApiKey {
    ApiKey {
        credential: Credential::new(&input.org, &input.name, input.ttl, secret, now),
        role: input.role,
        created_by: creator.caller.user_id.clone(),
        created_by_email: creator.caller.email.clone(),
        scope: input.scope,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::fixtures::{admin_membership, at};

    #[test]
    fn a_key_is_stored_as_its_hash_in_its_creators_name_until_its_ttl() {
        let membership = admin_membership();
        let input = NewKey {
            org: membership.org.slug.clone(),
            name: TokenName::parse("nightly sync").unwrap(),
            role: Role::BillingManager,
            ttl: TokenTtlDays::parse(7).unwrap(),
            scope: KeyScope::Api,
        };
        let secret = ApiKey::new_secret();
        let key = new_key(&membership, &input, &secret, at(0));
        assert_eq!(key.credential.hash, secret.hash());
        assert_eq!(key.created_by_email, membership.caller.email);
        assert_eq!(key.credential.expires_at, at(0) + chrono::Duration::days(7));
        assert_eq!(key.as_member().role, Role::BillingManager);
        assert_eq!(key.credential.last_used_at, None);
    }
}
