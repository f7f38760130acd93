//! Outbox messages: email a request must send, stored in the same transaction
//! as the change that causes it and delivered afterwards.

use super::{Email, OrgName, OrgSlug};
use chrono::{DateTime, Duration, Utc};

/// What the mail is about; the rendering happens at delivery time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailKind {
    /// The invitation of `to` in `org`, at a given generation: delivery mints
    /// the link only while the invitation is still at that generation. A
    /// `reminder` is the one reminder of that generation, with a link of its
    /// own: the first mail's link keeps working.
    Invitation {
        invited_by: Email,
        generation: u64,
        expires_at: DateTime<Utc>,
        reminder: bool,
    },
    SeatAssigned,
    /// To each admin of the org: one of its webhook endpoints failed for
    /// days and was disabled.
    WebhookDisabled,
    /// To an admin whose org takes the daily expiry digest: the invitations
    /// they sent that expired unanswered since the last one (the first
    /// [`DIGEST_LISTED`] addresses, and how many in all).
    ExpiredDigest {
        emails: Vec<Email>,
        total: u32,
    },
}

/// Addresses a digest lists by name; the rest are counted.
pub const DIGEST_LISTED: usize = 50;

impl MailKind {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Invitation {
                reminder: false, ..
            } => "invitation",
            Self::Invitation { reminder: true, .. } => "reminder",
            Self::SeatAssigned => "seat",
            Self::WebhookDisabled => "webhook_disabled",
            Self::ExpiredDigest { .. } => "expired_digest",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Queued,
    Sending,
    Sent,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "queued" => Self::Queued,
            "sending" => Self::Sending,
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: String,
    pub org: OrgSlug,
    pub org_name: OrgName,
    pub to: Email,
    pub kind: MailKind,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// After this many failed sends the message is marked failed for good (until
/// a resend queues a new one).
pub const MAX_ATTEMPTS: u32 = 5;

/// A claim older than this is presumed dead (the function crashed mid-send)
/// and the sweep may take the message over.
pub const CLAIM_TIMEOUT: Duration = Duration::minutes(5);

/// Exponential backoff between attempts: 1, 2, 4, 8 minutes...
pub fn retry_delay(attempts: u32) -> Duration {
    Duration::minutes(1i64 << attempts.saturating_sub(1).min(10))
}

impl OutboxMessage {
    pub fn new(
        org: OrgSlug,
        org_name: OrgName,
        to: Email,
        kind: MailKind,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            org,
            org_name,
            to,
            kind,
            status: DeliveryStatus::Queued,
            attempts: 0,
            next_attempt_at: now + CLAIM_TIMEOUT,
            created_at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_bounded() {
        assert_eq!(retry_delay(1), Duration::minutes(1));
        assert_eq!(retry_delay(2), Duration::minutes(2));
        assert_eq!(retry_delay(4), Duration::minutes(8));
        assert!(retry_delay(100) <= Duration::minutes(1024));
    }
}
