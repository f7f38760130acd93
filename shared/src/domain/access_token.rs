//! Org access tokens: the `rst_` secret, its name, lifetime and channel
//! scope, and the token as kept (its secret's hash only).

use super::{Credential, Invalid, Member, PrefixedSecret, SecretHash, UserId};
use chrono::{DateTime, Duration, Utc};

/// A token as stored: everything but the secret, which only its holder saw.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessToken {
    /// Its id, org, name, lifetime, hash and last use (recorded by
    /// introspection).
    pub credential: Credential,
    pub user_id: UserId,
    pub channels: ChannelScope,
    /// The member's seat epoch when issued: the token dies with that seat.
    pub seat_epoch: u64,
}

/// Why a stored token no longer works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inactive {
    /// Its holder left or was removed (and may have joined again since: a
    /// new membership does not revive the old one's tokens).
    MemberRemoved,
    /// Its holder's seat was revoked (and perhaps assigned again since).
    SeatRevoked,
    Expired,
}

impl Inactive {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MemberRemoved => "member_removed",
            Self::SeatRevoked => "seat_revoked",
            Self::Expired => "expired",
        }
    }
}

impl AccessToken {
    /// Whether the token still works, given its holder's membership as it is
    /// now (`None`: not a member) and the clock: the one rule introspection
    /// and listings share. The membership's fate is named before the clock's:
    /// a new token, not a later expiry, is what a dead membership or seat needs.
    pub fn inactive(&self, holder: Option<&Member>, now: DateTime<Utc>) -> Option<Inactive> {
        match holder {
            // Issued under an earlier membership: tokens are issued to
            // members only, so never before their holder joined.
            None => Some(Inactive::MemberRemoved),
            Some(m) if m.joined_at > self.credential.created_at => Some(Inactive::MemberRemoved),
            Some(m) if !m.has_seat() || m.seat_epoch != self.seat_epoch => {
                Some(Inactive::SeatRevoked)
            }
            Some(_) if self.credential.is_expired(now) => Some(Inactive::Expired),
            Some(_) => None,
        }
    }
}

/// `rst_` followed by 256 bits of base64url: what a channel server receives.
pub struct AccessTokenSecret;

impl AccessTokenSecret {
    pub const PREFIX: &'static str = "rst_";

    pub fn generate() -> PrefixedSecret {
        PrefixedSecret::generate(Self::PREFIX)
    }

    /// Hash of a presented token, if it has the right shape at all.
    pub fn hash_presented(raw: &str) -> Option<SecretHash> {
        PrefixedSecret::hash_presented(Self::PREFIX, raw)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct TokenName(String);

impl TokenName {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let trimmed = raw.trim();
        let n = trimmed.chars().count();
        if n == 0 || n > 100 || trimmed.chars().any(char::is_control) {
            return Err(Invalid::new(
                "name must be 1-100 characters without control characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::bounded_number! {
    /// How long a new token or key lives, in days: 1-365, 90 unless set.
    pub struct TokenTtlDays(u16): 1..=365, "expires_in_days must be between 1 and 365"
}

impl TokenTtlDays {
    pub const DEFAULT: Self = Self(90);

    pub fn duration(self) -> Duration {
        Duration::days(self.0.into())
    }
}

/// A channel name: 1-64 of `a-z 0-9 - _ .`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Channel(String);

impl Channel {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let ok = (1..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
        Invalid::unless(
            ok,
            raw,
            "a channel is 1-64 characters of a-z, 0-9, '-', '_', '.'",
        )
        .map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which channels a token may read: all of them (`["*"]`) or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelScope {
    All,
    Only(Vec<Channel>),
}

impl ChannelScope {
    pub fn parse(raw: &[String]) -> Result<Self, Invalid> {
        if raw.len() == 1 && raw[0] == "*" {
            return Ok(Self::All);
        }
        if raw.is_empty() || raw.len() > 100 {
            return Err(Invalid::new(
                "channels must list 1-100 channels, or be [\"*\"]",
            ));
        }
        let mut channels = raw
            .iter()
            .map(|c| Channel::parse(c))
            .collect::<Result<Vec<_>, _>>()?;
        channels.sort_by(|a, b| a.0.cmp(&b.0));
        channels.dedup();
        Ok(Self::Only(channels))
    }

    pub fn allows(&self, channel: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(list) => list.iter().any(|c| c.0 == channel),
        }
    }

    pub fn to_strings(&self) -> Vec<String> {
        match self {
            Self::All => vec!["*".to_owned()],
            Self::Only(list) => list.iter().map(|c| c.0.clone()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ApiKey, OrgSlug};

    #[test]
    fn tokens_and_api_keys_hash_only_with_their_own_prefix() {
        type Presented = fn(&str) -> Option<SecretHash>;
        let kinds: [(PrefixedSecret, &str, Presented, &str); 2] = [
            (
                AccessTokenSecret::generate(),
                "rst_",
                AccessTokenSecret::hash_presented,
                "rk_",
            ),
            (ApiKey::new_secret(), "rk_", ApiKey::hash_presented, "rst_"),
        ];
        for (secret, prefix, hash_presented, other) in kinds {
            let shown = secret.expose();
            assert!(shown.starts_with(prefix));
            assert_eq!(hash_presented(&shown), Some(secret.hash()));
            assert_eq!(hash_presented(&shown.replacen(prefix, other, 1)), None);
            assert_eq!(hash_presented("nope"), None);
            assert_eq!(hash_presented(&format!("{prefix}short")), None);
        }
    }

    #[test]
    fn scopes_parse_and_match() {
        let all = ChannelScope::parse(&["*".into()]).unwrap();
        assert!(all.allows("anything"));
        let some = ChannelScope::parse(&["main".into(), "beta".into()]).unwrap();
        assert!(some.allows("main"));
        assert!(!some.allows("nightly"));
        assert!(ChannelScope::parse(&[]).is_err());
        assert!(ChannelScope::parse(&["Bad Name".into()]).is_err());
        assert!(ChannelScope::parse(&["*".into(), "main".into()]).is_err());
    }

    #[test]
    fn a_token_works_only_under_the_membership_and_seat_it_was_issued_under_until_it_expires() {
        let at = |secs: i64| DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap();
        let token = AccessToken {
            credential: Credential {
                id: "t".into(),
                org: OrgSlug::parse("acme").unwrap(),
                name: TokenName::parse("laptop").unwrap(),
                created_at: at(100),
                expires_at: at(200),
                hash: SecretHash::of("x"),
                last_used_at: None,
            },
            user_id: UserId::parse("u").unwrap(),
            channels: ChannelScope::All,
            seat_epoch: 7,
        };
        let member = Member {
            user_id: token.user_id.clone(),
            email: super::super::Email::parse("u@example.com").unwrap(),
            role: super::super::Role::Member,
            seat_assigned_at: Some(at(50)),
            seat_epoch: 7,
            joined_at: at(10),
            seat_last_used_at: None,
        };
        assert_eq!(token.inactive(Some(&member), at(150)), None);
        assert_eq!(
            token.inactive(Some(&member), at(200)),
            Some(Inactive::Expired)
        );
        assert_eq!(token.inactive(None, at(150)), Some(Inactive::MemberRemoved));
        let rejoined = Member {
            joined_at: at(120),
            seat_epoch: 9,
            ..member.clone()
        };
        assert_eq!(
            token.inactive(Some(&rejoined), at(150)),
            Some(Inactive::MemberRemoved)
        );
        let unseated = Member {
            seat_assigned_at: None,
            ..member.clone()
        };
        assert_eq!(
            token.inactive(Some(&unseated), at(250)),
            Some(Inactive::SeatRevoked),
            "the seat before the clock"
        );
        let reseated = Member {
            seat_epoch: 8,
            ..member
        };
        assert_eq!(
            token.inactive(Some(&reseated), at(150)),
            Some(Inactive::SeatRevoked)
        );
    }

    #[test]
    fn lifetimes_are_bounded() {
        assert!(TokenTtlDays::parse(0).is_err());
        assert!(TokenTtlDays::parse(366).is_err());
        assert_eq!(
            TokenTtlDays::parse(365).unwrap().duration(),
            Duration::days(365)
        );
    }
}
