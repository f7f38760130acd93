//! What access tokens and API keys share: a named secret of one org, kept as
//! its hash only, that expires and whose last use is recorded at most once an
//! hour.

use super::{OrgSlug, PrefixedSecret, SecretHash, TokenName, TokenTtlDays};
use chrono::{DateTime, Utc};

/// A credential as stored: everything but the secret, which only its holder saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    pub id: String,
    pub org: OrgSlug,
    pub name: TokenName,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Recorded at most once an hour ([`super::time::use_is_stale`]).
    pub last_used_at: Option<DateTime<Utc>>,
    pub hash: SecretHash,
}

impl Credential {
    /// A new credential for `secret`, living `ttl` from `now`; its id is a
    /// UUIDv7, so an org's credentials list by creation.
    pub fn new(
        org: &OrgSlug,
        name: &TokenName,
        ttl: TokenTtlDays,
        secret: &PrefixedSecret,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            org: org.clone(),
            name: name.clone(),
            created_at: now,
            expires_at: now + ttl.duration(),
            last_used_at: None,
            hash: secret.hash(),
        }
    }

    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }

    /// Whether a use at `now` should be recorded.
    pub fn use_is_stale(&self, now: DateTime<Utc>) -> bool {
        super::time::use_is_stale(self.last_used_at, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AccessTokenSecret;

    #[test]
    fn a_credential_expires_at_its_end_and_records_a_use_at_most_hourly() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let secret = AccessTokenSecret::generate();
        let name = TokenName::parse("laptop").unwrap();
        let ttl = TokenTtlDays::parse(7).unwrap();
        let mut c = Credential::new(&OrgSlug::parse("acme").unwrap(), &name, ttl, &secret, now);
        assert_eq!(c.hash, secret.hash());
        assert!(!c.is_expired(c.expires_at - chrono::Duration::seconds(1)));
        assert!(c.is_expired(c.expires_at));
        assert!(c.use_is_stale(now));
        c.last_used_at = Some(now);
        assert!(!c.use_is_stale(now + chrono::Duration::minutes(59)));
        assert!(c.use_is_stale(now + chrono::Duration::hours(1)));
    }
}
