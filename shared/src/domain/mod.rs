//! Typed values that can only hold valid data, and the business rules as plain
//! functions. Nothing here knows about AWS or HTTP.

pub mod access_token;
pub mod audit;
pub mod email;
pub mod import;
pub mod invitation;
pub mod limits;
pub mod member;
pub mod org;
pub mod outbox;
pub mod permissions;
pub mod role;
pub mod secret;
pub mod suppression;
pub mod time;

pub use access_token::{
    AccessToken, AccessTokenSecret, Channel, ChannelScope, TokenName, TokenTtlDays,
};
pub use audit::AuditEntry;
pub use email::Email;
pub use invitation::{
    EmailStatus, Invitation, InvitationId, InvitationState, InviteLink, StatusFilter,
};
pub use limits::{Limit, LimitExceeded, Limits};
pub use member::{Member, UserId};
pub use org::{Org, OrgName, OrgSlug, SeatLimit};
pub use outbox::{DeliveryStatus, MailKind, OutboxMessage};
pub use permissions::Action;
pub use role::Role;
pub use secret::{Secret, SecretHash};
pub use suppression::{ClearReason, Suppression, SuppressionId, SuppressionReason};

/// Why a value failed to parse; shown to the caller as a field error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}
