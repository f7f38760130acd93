//! Members: who belongs to an organization, with which role and seat.

use super::{Email, Invalid, Role};
use chrono::{DateTime, Utc};

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
        Invalid::unless(ok, raw, "user id must be 1-128 URL-safe characters").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::display_as_str!(UserId);

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
}
