//! One module per operation: take the caller and typed input, read what must
//! be read (one call), write one transaction, return a typed result.

pub mod accept_invitation;
pub mod access;
pub mod audit;
pub mod change_role;
pub mod create_org;
pub mod deliver_mail;
pub mod error;
pub mod get_member;
pub mod get_org;
pub mod import_chunk;
pub mod import_get;
pub mod import_list;
pub mod import_run;
pub mod import_start;
pub mod introspect_token;
pub mod invite_members;
pub mod issue_token;
pub mod list_audit_events;
pub mod list_invitations;
pub mod list_members;
pub mod list_my_orgs;
pub mod list_tokens;
pub mod remove_member;
pub mod resend_invitation;
pub mod revoke_invitation;
pub mod revoke_token;
pub mod seats;
pub mod update_org;

pub use access::Membership;
pub use error::OpError;

use crate::domain::{Email, UserId};

/// A new seat's epoch: grows with the clock and past the previous one, so a
/// token issued under an earlier seat (even of an earlier membership of the
/// same person) never matches a later seat.
pub fn seat_epoch(now: chrono::DateTime<chrono::Utc>, previous: u64) -> u64 {
    u64::try_from(now.timestamp_millis())
        .unwrap_or(0)
        .max(previous + 1)
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    pub email: Email,
    pub email_verified: bool,
}
