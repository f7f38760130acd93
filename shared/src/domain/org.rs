//! Organizations: the slug that names them, their display name, and the seat
//! arithmetic that must never let `seats_used` pass `seat_limit`.

use super::Invalid;
use chrono::{DateTime, Utc};
use std::fmt;

/// 3–39 of `a-z 0-9 -`, starting and ending with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct OrgSlug(String);

impl OrgSlug {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let ok_len = (3..=39).contains(&raw.len());
        let ok_chars = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let ok_ends = raw
            .bytes()
            .next()
            .zip(raw.bytes().last())
            .is_some_and(|(first, last)| first != b'-' && last != b'-');
        if ok_len && ok_chars && ok_ends {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Invalid::new(
                "slug must be 3-39 characters of a-z, 0-9 and '-', starting and ending with a letter or digit",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 1–100 characters, no control characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct OrgName(String);

impl OrgName {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let trimmed = raw.trim();
        let chars = trimmed.chars().count();
        if chars == 0 || chars > 100 {
            return Err(Invalid::new("name must be 1-100 characters"));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(Invalid::new("name must not contain control characters"));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 0–100,000 seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct SeatLimit(u32);

impl SeatLimit {
    pub const MAX: i64 = 100_000;

    pub fn parse(raw: i64) -> Result<Self, Invalid> {
        if (0..=Self::MAX).contains(&raw) {
            Ok(Self(raw as u32))
        } else {
            Err(Invalid::new("seat_limit must be between 0 and 100000"))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// An organization as stored and as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub slug: OrgSlug,
    pub name: OrgName,
    pub seat_limit: SeatLimit,
    pub seats_used: u32,
    pub admin_count: u32,
    pub created_at: DateTime<Utc>,
}

impl Org {
    pub fn has_free_seat(&self) -> bool {
        self.seats_used < self.seat_limit.get()
    }

    /// A new limit may never go below the seats already handed out.
    pub fn can_set_seat_limit(&self, limit: SeatLimit) -> bool {
        limit.get() >= self.seats_used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_the_contract() {
        for good in ["acme", "a-1", "abc", &"a".repeat(39)] {
            assert!(OrgSlug::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "ab",
            "-abc",
            "abc-",
            "Acme",
            "ac_me",
            "a.b.c",
            &"a".repeat(40),
            "",
        ] {
            assert!(OrgSlug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(OrgName::parse("  Acme ").unwrap().as_str(), "Acme");
        assert!(OrgName::parse("   ").is_err());
        assert!(OrgName::parse(&"x".repeat(101)).is_err());
        assert!(OrgName::parse(&"é".repeat(100)).is_ok());
        assert!(OrgName::parse("a\nb").is_err());
    }

    #[test]
    fn seat_limits_are_bounded() {
        assert!(SeatLimit::parse(0).is_ok());
        assert!(SeatLimit::parse(100_000).is_ok());
        assert!(SeatLimit::parse(100_001).is_err());
        assert!(SeatLimit::parse(-1).is_err());
    }

    #[test]
    fn seat_limit_cannot_drop_below_usage() {
        let org = Org {
            slug: OrgSlug::parse("acme").unwrap(),
            name: OrgName::parse("Acme").unwrap(),
            seat_limit: SeatLimit::parse(5).unwrap(),
            seats_used: 3,
            admin_count: 1,
            created_at: Utc::now(),
        };
        assert!(org.can_set_seat_limit(SeatLimit::parse(3).unwrap()));
        assert!(!org.can_set_seat_limit(SeatLimit::parse(2).unwrap()));
        assert!(org.has_free_seat());
    }
}
