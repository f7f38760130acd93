//! What an operation can answer besides success: the business outcomes of the
//! contract, and the infrastructure failures that keep their cause as `source`.

use crate::domain::Invalid;
use crate::mail::MailError;
use crate::store::{InvalidCursor, StoreError};
use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: Invalid },
    #[error("the cursor is not valid for this query")]
    InvalidCursor,
    #[error("the caller's role does not allow this")]
    Forbidden,
    #[error("admins cannot change their own role")]
    CannotChangeOwnRole,
    #[error("the invitation was sent to another email address")]
    EmailMismatch,
    #[error("the caller's email is not verified")]
    EmailUnverified,
    /// An API key asked for what only a signed-in person may do.
    #[error("a person's sign-in is required")]
    PersonRequired,
    #[error("a seat is required")]
    SeatRequired,
    #[error("organization not found")]
    OrgNotFound,
    #[error("member not found")]
    MemberNotFound,
    #[error("invitation not found")]
    InvitationNotFound,
    #[error("token not found")]
    TokenNotFound,
    #[error("API key not found")]
    ApiKeyNotFound,
    #[error("import not found")]
    ImportNotFound,
    #[error("suppression not found")]
    SuppressionNotFound,
    #[error("the address is suppressed")]
    EmailSuppressed,
    #[error("organization exists")]
    OrgExists,
    #[error("already a member")]
    AlreadyMember,
    #[error("invitation is not pending")]
    InvitationNotPending,
    #[error("no seats available")]
    NoSeatsAvailable,
    #[error("seat limit below usage")]
    SeatLimitBelowUsage { seats_used: u32 },
    #[error("last admin")]
    LastAdmin,
    /// The invitation grants a role its inviter may no longer grant.
    #[error("the inviter may no longer grant the invited role")]
    InviterNoLongerAllowed,
    #[error("invitation expired")]
    InvitationExpired { expires_at: DateTime<Utc> },
    #[error("over the {} limit", .0.limit.name())]
    LimitExceeded(crate::domain::LimitExceeded),
    #[error("too large: {0}")]
    TooLarge(String),
    /// A directory user or group that is not there.
    #[error("{0} not found")]
    DirectoryNotFound(&'static str),
    /// A directory value another resource holds (a user name, an address).
    #[error("not unique: {0}")]
    NotUnique(String),
    /// The resource is no longer at the version the caller named (`If-Match`).
    #[error("the resource has changed")]
    VersionMismatch,
    /// The caller's verified address is not provisioned by the org's directory.
    #[error("not provisioned")]
    NotProvisioned,
    #[error("webhook endpoint not found")]
    WebhookNotFound,
    #[error("webhook delivery not found")]
    DeliveryNotFound,
    /// The org has as many endpoints as it may.
    #[error("webhook endpoint limit reached")]
    WebhookLimit,
    /// The URL may not be called: its scheme, or where its host resolves.
    #[error("webhook URL refused: {0}")]
    InvalidWebhookUrl(String),
    /// The deployment has no webhook signing key.
    #[error("webhooks are not configured")]
    WebhooksNotConfigured,
    #[error("a dependency is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl OpError {
    pub fn invalid(field: &str, reason: Invalid) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            reason,
        }
    }
}

impl From<StoreError> for OpError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Throttled(_) => Self::Unavailable(Box::new(err)),
            StoreError::CursorRejected => Self::InvalidCursor,
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl From<InvalidCursor> for OpError {
    fn from(_: InvalidCursor) -> Self {
        Self::InvalidCursor
    }
}

impl From<MailError> for OpError {
    fn from(err: MailError) -> Self {
        Self::Unavailable(Box::new(err))
    }
}
