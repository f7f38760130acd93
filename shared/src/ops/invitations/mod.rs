//! Invitations: asking people to join an org, by email, and their answer.
//!
//! - [`invite`]: `POST /orgs/{org}/invitations`, many rows at once;
//! - [`pipeline`]: screen → look up → decide → write, the steps [`invite`],
//!   [`resend`] and import chunks ([`crate::ops::imports`]) share;
//! - [`limits`]: the org's invitation limits held against a request or a chunk;
//! - [`list`], [`resend`], [`revoke`]: an admin's view and care of them;
//! - [`preview`], [`accept`]: the invitee's side of the link;
//! - [`remind`]: the sweep's one reminder per generation before expiry.

pub mod accept;
pub mod digest;
pub mod invite;
pub mod limits;
pub mod list;
pub mod pipeline;
pub mod preview;
pub mod remind;
pub mod resend;
pub mod revoke;
