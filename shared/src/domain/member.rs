//! Members: who belongs to an organization, with which role and seat.

use super::{Email, Invalid, Role};
use chrono::{DateTime, Utc};
use std::fmt;

/// The identity provider's stable subject (`sub`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct UserId(String);

impl UserId {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let ok = !raw.is_empty()
            && raw.len() <= 128
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:@|+".contains(&b));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Invalid::new("user id must be 1-128 URL-safe characters"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: UserId,
    pub email: Email,
    pub role: Role,
    /// When the current seat was assigned; `None` without a seat.
    pub seat_assigned_at: Option<DateTime<Utc>>,
    /// Bumped on every seat assignment: tokens carry the epoch they were issued
    /// under, so revoking (and re-assigning) a seat kills them all at once.
    pub seat_epoch: u64,
    pub joined_at: DateTime<Utc>,
    /// The current seat's last use (an introspection of one of its tokens,
    /// recorded at most hourly per token); `None` when unused or unseated.
    pub seat_last_used_at: Option<DateTime<Utc>>,
}

impl Member {
    pub fn has_seat(&self) -> bool {
        self.seat_assigned_at.is_some()
    }

    /// Whether the member holds a seat nobody used since `cutoff`: last used
    /// before it, or never used and assigned before it.
    pub fn seat_idle_since(&self, cutoff: DateTime<Utc>) -> bool {
        match (self.seat_assigned_at, self.seat_last_used_at) {
            (None, _) => false,
            (Some(_), Some(used)) => used < cutoff,
            (Some(assigned), None) => assigned < cutoff,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_bounded_and_url_safe() {
        assert!(UserId::parse("auth0|abc-123").is_ok());
        assert!(UserId::parse("").is_err());
        assert!(UserId::parse("a/b").is_err());
        assert!(UserId::parse(&"a".repeat(129)).is_err());
    }

    #[test]
    fn a_seat_is_idle_when_unused_since_the_cutoff_and_no_seat_never_is() {
        let t = |days: i64| DateTime::from_timestamp(1_800_000_000 + days * 86_400, 0).unwrap();
        let member = |assigned: Option<i64>, used: Option<i64>| Member {
            user_id: UserId::parse("bob").unwrap(),
            email: Email::parse("bob@example.com").unwrap(),
            role: Role::Member,
            seat_assigned_at: assigned.map(t),
            seat_epoch: 1,
            joined_at: t(0),
            seat_last_used_at: used.map(t),
        };
        let cutoff = t(10);
        assert!(
            member(Some(0), None).seat_idle_since(cutoff),
            "never used, assigned before"
        );
        assert!(
            !member(Some(11), None).seat_idle_since(cutoff),
            "assigned after"
        );
        assert!(
            member(Some(0), Some(9)).seat_idle_since(cutoff),
            "last used before"
        );
        assert!(
            !member(Some(0), Some(10)).seat_idle_since(cutoff),
            "used at the cutoff"
        );
        assert!(!member(None, Some(0)).seat_idle_since(cutoff), "no seat");
    }
}
