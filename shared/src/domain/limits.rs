//! Abuse limits: how much mail and how many orgs and tokens one
//! caller can cause, with defaults a real 10,000-person org never reaches in
//! normal use and a spammer reaches at once. Each is set per deployment
//! (a template parameter, an `ROSTER_LIMIT_*` variable); the store enforces
//! them in the same transaction as the write they guard.

use chrono::{DateTime, Duration, NaiveTime, Utc};

/// The limits in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Mails per org per UTC day: invitations (new ones and resends) and
    /// seat mails. One full bulk upload (10,000 rows) fits.
    pub invitations_per_org_per_day: u32,
    /// Open invitations (pending, or expired and not yet removed) per org.
    pub pending_invitations_per_org: u32,
    /// Seconds between two invitation mails to one address in one org
    /// (invite, resend, invite again after a revoke, an import row), and
    /// between two seat mails to one member.
    pub resend_cooldown_secs: u32,
    /// Orgs one user creates per UTC day.
    pub orgs_per_user_per_day: u32,
    /// Tokens issued to one member of one org per UTC day.
    pub tokens_per_member_per_day: u32,
    /// Seconds before a complaint suppression of an address can be cleared
    /// again in the same org: the recipient said "spam" once already.
    pub complaint_clear_interval_secs: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            invitations_per_org_per_day: 10_000,
            pending_invitations_per_org: 10_000,
            resend_cooldown_secs: 3_600,
            orgs_per_user_per_day: 3,
            tokens_per_member_per_day: 50,
            complaint_clear_interval_secs: 30 * 86_400,
        }
    }
}

/// Which limit refused a request: its stable name in the 429 answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    InvitationsPerOrgPerDay,
    PendingInvitationsPerOrg,
    ResendCooldown,
    OrgsPerUserPerDay,
    TokensPerMemberPerDay,
    ComplaintClearInterval,
}

impl Limit {
    pub fn name(self) -> &'static str {
        match self {
            Self::InvitationsPerOrgPerDay => "invitations_per_org_per_day",
            Self::PendingInvitationsPerOrg => "pending_invitations_per_org",
            Self::ResendCooldown => "resend_cooldown",
            Self::OrgsPerUserPerDay => "orgs_per_user_per_day",
            Self::TokensPerMemberPerDay => "tokens_per_member_per_day",
            Self::ComplaintClearInterval => "complaint_clear_interval",
        }
    }

    /// The environment variable (and, in CamelCase, the template parameter).
    pub fn env_var(self) -> &'static str {
        match self {
            Self::InvitationsPerOrgPerDay => "ROSTER_LIMIT_INVITATIONS_PER_ORG_PER_DAY",
            Self::PendingInvitationsPerOrg => "ROSTER_LIMIT_PENDING_INVITATIONS_PER_ORG",
            Self::ResendCooldown => "ROSTER_LIMIT_RESEND_COOLDOWN_SECONDS",
            Self::OrgsPerUserPerDay => "ROSTER_LIMIT_ORGS_PER_USER_PER_DAY",
            Self::TokensPerMemberPerDay => "ROSTER_LIMIT_TOKENS_PER_MEMBER_PER_DAY",
            Self::ComplaintClearInterval => "ROSTER_LIMIT_COMPLAINT_CLEAR_INTERVAL_SECONDS",
        }
    }

    pub const ALL: [Limit; 6] = [
        Self::InvitationsPerOrgPerDay,
        Self::PendingInvitationsPerOrg,
        Self::ResendCooldown,
        Self::OrgsPerUserPerDay,
        Self::TokensPerMemberPerDay,
        Self::ComplaintClearInterval,
    ];
}

impl Limits {
    pub fn get(&self, limit: Limit) -> u32 {
        match limit {
            Limit::InvitationsPerOrgPerDay => self.invitations_per_org_per_day,
            Limit::PendingInvitationsPerOrg => self.pending_invitations_per_org,
            Limit::ResendCooldown => self.resend_cooldown_secs,
            Limit::OrgsPerUserPerDay => self.orgs_per_user_per_day,
            Limit::TokensPerMemberPerDay => self.tokens_per_member_per_day,
            Limit::ComplaintClearInterval => self.complaint_clear_interval_secs,
        }
    }

    pub fn set(&mut self, limit: Limit, value: u32) {
        *match limit {
            Limit::InvitationsPerOrgPerDay => &mut self.invitations_per_org_per_day,
            Limit::PendingInvitationsPerOrg => &mut self.pending_invitations_per_org,
            Limit::ResendCooldown => &mut self.resend_cooldown_secs,
            Limit::OrgsPerUserPerDay => &mut self.orgs_per_user_per_day,
            Limit::TokensPerMemberPerDay => &mut self.tokens_per_member_per_day,
            Limit::ComplaintClearInterval => &mut self.complaint_clear_interval_secs,
        } = value;
    }
}

/// A refusal: which limit, its value, and when trying again can succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitExceeded {
    pub limit: Limit,
    pub max: u32,
    /// Seconds until a retry can succeed (for `Retry-After`); at least 1.
    pub retry_after_secs: u64,
}

/// A daily counter's bucket: the UTC day, as `YYYY-MM-DD`.
pub fn day_bucket(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%d").to_string()
}

/// When the current UTC day's counters stop counting.
pub fn next_day(now: DateTime<Utc>) -> DateTime<Utc> {
    (now.date_naive() + Duration::days(1))
        .and_time(NaiveTime::MIN)
        .and_utc()
}

/// Seconds from `now` to `then`, rounded up (a retry after that many
/// seconds is never early), at least 1 (a `Retry-After` of 0 invites a
/// tight loop).
pub fn secs_until(now: DateTime<Utc>, then: DateTime<Utc>) -> u64 {
    u64::try_from((then - now).num_milliseconds())
        .unwrap_or(0)
        .div_ceil(1000)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_buckets_roll_over_at_utc_midnight() {
        let t = DateTime::parse_from_rfc3339("2026-11-28T23:59:30Z")
            .unwrap()
            .to_utc();
        assert_eq!(day_bucket(t), "2026-11-28");
        assert_eq!(secs_until(t, next_day(t)), 30);
        assert_eq!(day_bucket(next_day(t)), "2026-11-29");
        assert_eq!(secs_until(next_day(t), t), 1);
        assert_eq!(secs_until(t, t + Duration::milliseconds(2_001)), 3);
    }

    #[test]
    fn defaults_fit_a_full_bulk_upload() {
        let limits = Limits::default();
        assert!(limits.invitations_per_org_per_day >= 10_000);
        assert!(limits.pending_invitations_per_org >= 10_000);
        let mut changed = limits;
        for (i, limit) in Limit::ALL.into_iter().enumerate() {
            changed.set(limit, i as u32 + 1);
            assert_eq!(changed.get(limit), i as u32 + 1);
            assert!(limit.env_var().starts_with("ROSTER_LIMIT_"));
        }
    }
}
