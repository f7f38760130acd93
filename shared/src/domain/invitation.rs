//! Invitations: how long they live, what state they are in at a given instant,
//! and the link an invitee follows (`<org>.<invitation id>.<secret>`).

use super::{Email, Invalid, OrgSlug, Secret, SecretHash, UserId};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};

/// An invitation works for seven days after it is sent or resent.
pub const INVITATION_LIFETIME: Duration = Duration::days(7);

/// How long an expired invitation stays listed (and resendable) before TTL
/// removes it; the sweep deletes what TTL has not yet removed.
pub const EXPIRED_RETENTION: Duration = Duration::days(30);

pub fn expires_at(sent_at: DateTime<Utc>) -> DateTime<Utc> {
    sent_at + INVITATION_LIFETIME
}

/// Epoch seconds after which DynamoDB may delete the invitation item.
pub fn ttl_for(expires_at: DateTime<Utc>) -> i64 {
    (expires_at + EXPIRED_RETENTION).timestamp()
}

/// An invitation's id is its invitee's email, base64url-encoded: one live
/// invitation per email per org, found by key without an index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InvitationId(String);

impl InvitationId {
    pub fn for_email(email: &Email) -> Self {
        Self(URL_SAFE_NO_PAD.encode(email.as_str()))
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let bytes = URL_SAFE_NO_PAD
            .decode(raw)
            .map_err(|_| Invalid::new("not an invitation id"))?;
        let text = String::from_utf8(bytes).map_err(|_| Invalid::new("not an invitation id"))?;
        let email = Email::parse(&text).map_err(|_| Invalid::new("not an invitation id"))?;
        if email.as_str() != text {
            return Err(Invalid::new("not an invitation id"));
        }
        Ok(Self::for_email(&email))
    }

    pub fn email(&self) -> Email {
        let bytes = URL_SAFE_NO_PAD
            .decode(&self.0)
            .expect("ids are built valid");
        Email::parse(std::str::from_utf8(&bytes).expect("ids are built valid"))
            .expect("ids are built valid")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::display_as_str!(InvitationId);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Pending,
    Expired,
}

impl InvitationState {
    pub fn at(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        if now < expires_at {
            Self::Pending
        } else {
            Self::Expired
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Expired => "expired",
        }
    }
}

/// Where the invitation email stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    Queued,
    Sent,
    Failed,
    /// SES reported a bounce (permanent or transient) for the current mail.
    Bounced,
    /// The invitee marked the current mail as spam.
    Complained,
}

impl EmailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Bounced => "bounced",
            Self::Complained => "complained",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "queued" => Some(Self::Queued),
            "sent" => Some(Self::Sent),
            "failed" => Some(Self::Failed),
            "bounced" => Some(Self::Bounced),
            "complained" => Some(Self::Complained),
            _ => None,
        }
    }
}

/// Which invitations a listing shows, decided against the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Pending,
    Expired,
    All,
}

impl StatusFilter {
    /// `pending` (the default), `expired` or `all`.
    pub fn parse(raw: Option<&str>) -> Result<Self, Invalid> {
        match raw {
            None | Some("pending") => Ok(Self::Pending),
            Some("expired") => Ok(Self::Expired),
            Some("all") => Ok(Self::All),
            Some(_) => Err(Invalid::new("status must be pending, expired or all")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Expired => "expired",
            Self::All => "all",
        }
    }
}

/// The accept token an invitee receives: which org, which invitation, and the
/// secret whose hash must match the one stored on the invitation.
#[derive(Debug)]
pub struct InviteLink {
    pub org: OrgSlug,
    pub id: InvitationId,
    secret: String,
}

impl InviteLink {
    pub fn new(org: OrgSlug, id: InvitationId, secret: &Secret) -> Self {
        Self {
            org,
            id,
            secret: secret.expose().to_owned(),
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let invalid = || Invalid::new("not an invitation token");
        let mut parts = raw.trim().split('.');
        let (Some(org), Some(id), Some(secret), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        if secret.len() < 22 || secret.len() > 64 {
            return Err(invalid());
        }
        Ok(Self {
            org: OrgSlug::parse(org).map_err(|_| invalid())?,
            id: InvitationId::parse(id).map_err(|_| invalid())?,
            secret: secret.to_owned(),
        })
    }

    pub fn secret_hash(&self) -> SecretHash {
        SecretHash::of(&self.secret)
    }

    /// The token as it appears in the accept link.
    pub fn to_token(&self) -> String {
        format!("{}.{}.{}", self.org, self.id, self.secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitations_expire_after_seven_days() {
        let sent = Utc::now();
        let exp = expires_at(sent);
        assert_eq!(InvitationState::at(exp, sent), InvitationState::Pending);
        assert_eq!(
            InvitationState::at(exp, exp - Duration::seconds(1)),
            InvitationState::Pending
        );
        assert_eq!(InvitationState::at(exp, exp), InvitationState::Expired);
        assert!(ttl_for(exp) > exp.timestamp());
    }

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let email = Email::parse("a@b.com").unwrap();
        let id = InvitationId::for_email(&email);
        assert_eq!(InvitationId::parse(id.as_str()).unwrap(), id);
        assert_eq!(id.email(), email);
        assert!(InvitationId::parse("!!").is_err());
        assert!(InvitationId::parse(&URL_SAFE_NO_PAD.encode("A@B.com")).is_err());
    }

    #[test]
    fn links_round_trip() {
        let secret = Secret::generate();
        let link = InviteLink::new(
            OrgSlug::parse("acme").unwrap(),
            InvitationId::for_email(&Email::parse("a@b.com").unwrap()),
            &secret,
        );
        let parsed = InviteLink::parse(&link.to_token()).unwrap();
        assert!(parsed.secret_hash().matches(&secret.hash()));
        assert!(InviteLink::parse("acme.x").is_err());
        assert!(InviteLink::parse("").is_err());
    }
}

/// An invitation as stored (pending or expired; accepted and revoked ones are
/// deleted, the audit log keeps their story; one revoked inside the mail
/// cooldown leaves a marker in its place until the cooldown ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub org: OrgSlug,
    pub email: Email,
    pub role: super::Role,
    pub seat: bool,
    pub invited_by: Email,
    /// The inviter's user id (who sent or last resent it), to check at
    /// accept that they may still grant the role; `None` on invitations
    /// stored before it was kept.
    pub invited_by_id: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Bumped on every (re)send; only the mail of the current generation may
    /// mint the link, so a resend kills the old link at once.
    pub generation: u64,
    /// The hash of the first mail's link.
    pub token_hash: Option<SecretHash>,
    /// The hash of the reminder's link: a second link to the same
    /// generation, so the first mail's keeps working.
    pub reminder_hash: Option<SecretHash>,
    /// When the invitee is reminded, if not yet (`None`: reminded already,
    /// or the org sends no reminders).
    pub remind_at: Option<DateTime<Utc>>,
    pub email_status: EmailStatus,
}

impl Invitation {
    pub fn id(&self) -> InvitationId {
        InvitationId::for_email(&self.email)
    }

    pub fn state(&self, now: DateTime<Utc>) -> InvitationState {
        InvitationState::at(self.expires_at, now)
    }

    /// Whether a presented link is one this generation's mail carried.
    pub fn link_matches(&self, presented: &SecretHash) -> bool {
        [&self.token_hash, &self.reminder_hash]
            .into_iter()
            .flatten()
            .any(|hash| hash.matches(presented))
    }

    /// When its last mail was queued: the current expiry was set then.
    pub fn mailed_at(&self) -> DateTime<Utc> {
        self.expires_at - INVITATION_LIFETIME
    }

    /// Until when no other invitation mail may go to this address.
    pub fn cooldown_end(&self, cooldown_secs: u32) -> DateTime<Utc> {
        cooldown_end(self.mailed_at(), cooldown_secs)
    }
}

/// The end of the mail cooldown (the `resend_cooldown` limit) that a mail
/// queued at `mailed_at` starts.
pub fn cooldown_end(mailed_at: DateTime<Utc>, cooldown_secs: u32) -> DateTime<Utc> {
    mailed_at + Duration::seconds(i64::from(cooldown_secs))
}
