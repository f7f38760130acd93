//! Mail: delivering the outbox, hearing back from SES, and the addresses an
//! org no longer mails.
//!
//! - [`deliver`]: claim, send and record one outbox message;
//! - [`feedback`]: bounces and complaints, which mark invitations and
//!   suppress addresses;
//! - [`list_suppressions`], [`clear_suppression`]: an admin's view and care
//!   of the suppressed addresses.

pub mod clear_suppression;
pub mod deliver;
pub mod feedback;
pub mod list_suppressions;
