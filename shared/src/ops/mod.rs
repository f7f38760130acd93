//! One module per operation: take the caller and typed input, read what must
//! be read (one call), write one transaction, return a typed result.

pub mod accept_invitation;
pub mod access;
pub mod audit;
pub mod create_org;
pub mod deliver_mail;
pub mod error;
pub mod get_member;
pub mod get_org;
pub mod invite_members;
pub mod list_invitations;
pub mod list_members;
pub mod list_my_orgs;
pub mod update_org;

pub use access::Membership;
pub use error::OpError;

use crate::domain::{Email, UserId};

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    pub email: Email,
    pub email_verified: bool,
}
