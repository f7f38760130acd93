//! Org API keys: what a script holds instead of a person's sign-in. A key is
//! an `rk_` secret (shown once, kept as its SHA-256 only) that acts in one
//! org with one role (admin or billing manager) until it expires or is
//! revoked.
//!
//! A key acts as a non-person caller whose user id is `apikey:<id>`: the
//! authorizer vouches for the key, and every org operation reads the key's
//! item where it would read the caller's member item ([`ApiKey::as_member`]),
//! in the same read. So a key can never act in another org (its item is not
//! there), and a revoked key stops at once, even mid-request.

use super::{Credential, Email, Invalid, Member, PrefixedSecret, Role, SecretHash, UserId};

/// The prefix of a key's secret.
pub const SECRET_PREFIX: &str = "rk_";

/// The prefix of a key's caller id. No person has one: the identity layer
/// refuses a `sub` that starts with it.
pub const CALLER_PREFIX: &str = "apikey:";

/// A key as stored: everything but the secret.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    /// Its id, org, name, lifetime, hash and last use. Named like access
    /// tokens, and living as long (1-365 days, 90 unless asked): keys always
    /// expire, so a forgotten one does not work forever.
    pub credential: Credential,
    pub role: Role,
    /// The admin who created it: invitations the key sends go out in their name.
    pub created_by: UserId,
    pub created_by_email: Email,
    /// Where the key works: the API, or only the org's SCIM endpoints.
    pub scope: KeyScope,
}

/// Where a key works. A directory sync (SCIM) key acts as an admin, but only
/// on its org's `/scim/v2` endpoints; an API key never reaches them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyScope {
    #[default]
    Api,
    Scim,
}

impl KeyScope {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "api" => Ok(Self::Api),
            "scim" => Ok(Self::Scim),
            _ => Err(Invalid::new("scope must be api or scim")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Scim => "scim",
        }
    }
}

impl ApiKey {
    pub fn new_secret() -> PrefixedSecret {
        PrefixedSecret::generate(SECRET_PREFIX)
    }

    /// Hash of a presented key, if it has a key's shape at all.
    pub fn hash_presented(raw: &str) -> Option<SecretHash> {
        PrefixedSecret::hash_presented(SECRET_PREFIX, raw)
    }

    /// The caller id the key acts under.
    pub fn caller_id(&self) -> UserId {
        caller_id(&self.credential.id)
    }

    /// The membership the key acts under: its role, no seat, and the email of
    /// the admin who created it (invitations name them as the inviter).
    pub fn as_member(&self) -> Member {
        Member {
            user_id: self.caller_id(),
            email: self.created_by_email.clone(),
            role: self.role,
            seat_assigned_at: None,
            seat_epoch: 0,
            joined_at: self.credential.created_at,
            seat_last_used_at: None,
        }
    }

    /// How the audit log names the key.
    pub fn label(&self) -> String {
        let Credential { name, id, .. } = &self.credential;
        format!("API key \"{}\" ({id})", name.as_str())
    }
}

pub fn caller_id(key_id: &str) -> UserId {
    UserId::parse(&format!("{CALLER_PREFIX}{key_id}"))
        .expect("a key id is a UUID, so its caller id is a valid user id")
}

/// The key id of a caller that is an API key.
pub fn key_id_of(caller: &UserId) -> Option<&str> {
    caller.as_str().strip_prefix(CALLER_PREFIX)
}

/// The roles a key may hold: a plain member's rights are a person's own
/// (their seat, their tokens), which a key has none of.
pub fn parse_role(raw: &str) -> Result<Role, Invalid> {
    match raw {
        "admin" => Ok(Role::Admin),
        "billing_manager" => Ok(Role::BillingManager),
        _ => Err(Invalid::new("role must be admin or billing_manager")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{OrgSlug, TokenName};
    use chrono::{DateTime, Duration, Utc};

    fn key(last_used_at: Option<DateTime<Utc>>) -> ApiKey {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        ApiKey {
            credential: Credential {
                id: "0192f0c8-0000-7000-8000-000000000001".into(),
                org: OrgSlug::parse("acme").unwrap(),
                name: TokenName::parse("nightly sync").unwrap(),
                created_at: t0,
                expires_at: t0 + Duration::days(30),
                last_used_at,
                hash: ApiKey::new_secret().hash(),
            },
            role: Role::BillingManager,
            created_by: UserId::parse("alice").unwrap(),
            created_by_email: Email::parse("alice@example.com").unwrap(),
            scope: KeyScope::Api,
        }
    }

    #[test]
    fn a_key_acts_as_a_seatless_member_with_its_role_under_its_own_id() {
        let k = key(None);
        let m = k.as_member();
        assert_eq!(m.role, Role::BillingManager);
        assert!(!m.has_seat());
        assert_eq!(m.email.as_str(), "alice@example.com");
        assert_eq!(key_id_of(&m.user_id), Some(k.credential.id.as_str()));
        assert_eq!(key_id_of(&UserId::parse("alice").unwrap()), None);
    }

    #[test]
    fn keys_are_admin_or_billing_manager_only() {
        assert_eq!(parse_role("admin").unwrap(), Role::Admin);
        assert_eq!(parse_role("billing_manager").unwrap(), Role::BillingManager);
        assert!(parse_role("member").is_err());
        assert!(parse_role("Admin").is_err());
    }

    #[test]
    fn last_use_is_written_at_most_hourly_and_expiry_is_exact() {
        let never = key(None);
        assert!(never.credential.use_is_stale(never.credential.created_at));
        let used = key(Some(never.credential.created_at));
        assert!(
            !used
                .credential
                .use_is_stale(never.credential.created_at + Duration::minutes(59))
        );
        assert!(
            used.credential
                .use_is_stale(never.credential.created_at + Duration::minutes(60))
        );
        assert!(
            !used
                .credential
                .is_expired(used.credential.expires_at - Duration::seconds(1))
        );
        assert!(used.credential.is_expired(used.credential.expires_at));
    }
}
