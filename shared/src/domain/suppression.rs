//! Suppressed addresses: an org stops mailing an address once SES reports a
//! permanent bounce or a complaint for mail the org sent to it. New
//! invitations to it are `already_suppressed`, resends are refused, and mail
//! already queued for it is dropped at delivery, until an admin clears it.

use super::{Email, Invalid, InvitationId, OrgSlug};
use chrono::{DateTime, Utc};

/// A suppressed address is named in paths by the same id as its invitation:
/// the email, base64url-encoded (no `@` or `%` to escape in a path).
pub type SuppressionId = InvitationId;

/// Why an address is suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionReason {
    /// A permanent (hard) bounce: the mailbox or domain does not exist.
    Bounced,
    /// The recipient marked the mail as spam.
    Complained,
}

impl SuppressionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bounced => "bounced",
            Self::Complained => "complained",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "bounced" => Ok(Self::Bounced),
            "complained" => Ok(Self::Complained),
            _ => Err(Invalid::new("not a suppression reason")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub org: OrgSlug,
    pub email: Email,
    pub reason: SuppressionReason,
    /// What SES said, for the admin deciding whether to clear it (the bounce
    /// subtype and diagnostic, or the complaint's feedback type).
    pub detail: String,
    pub at: DateTime<Utc>,
}

impl Suppression {
    pub fn id(&self) -> SuppressionId {
        InvitationId::for_email(&self.email)
    }
}

/// Why an admin lets the org mail a suppressed address again, for the audit
/// log: 1-500 characters after trimming, without control characters.
/// Required to clear a complaint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct ClearReason(String);

impl ClearReason {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let trimmed = raw.trim();
        let n = trimmed.chars().count();
        if n == 0 || n > Self::MAX_CHARS || trimmed.chars().any(char::is_control) {
            return Err(Invalid::new(
                "reason must be 1-500 characters without control characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Longest `detail` kept: a diagnostic is a mail server's free text.
pub const MAX_DETAIL_CHARS: usize = 200;

/// `detail` cut to [`MAX_DETAIL_CHARS`], without control characters.
pub fn clean_detail(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_control())
        .take(MAX_DETAIL_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_cut_and_lose_control_characters() {
        let long = "x".repeat(500);
        assert_eq!(clean_detail(&long).len(), MAX_DETAIL_CHARS);
        assert_eq!(clean_detail("550\r\nuser unknown"), "550user unknown");
    }

    #[test]
    fn clear_reasons_are_bounded_text() {
        assert_eq!(
            ClearReason::parse("  they asked to be invited  ")
                .unwrap()
                .as_str(),
            "they asked to be invited"
        );
        assert!(ClearReason::parse(&"é".repeat(500)).is_ok());
        for bad in ["", "   ", &"x".repeat(501), "a\nb", "a\u{7}b"] {
            assert!(ClearReason::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reasons_round_trip() {
        for reason in [SuppressionReason::Bounced, SuppressionReason::Complained] {
            assert_eq!(SuppressionReason::parse(reason.as_str()), Ok(reason));
        }
        assert!(SuppressionReason::parse("soft").is_err());
    }
}
