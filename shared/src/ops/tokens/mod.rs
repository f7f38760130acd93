//! Access tokens: `rst_` secrets bound to a member's seat, for channel servers.
//!
//! - [`issue`]: a new token, shown once, stored as its hash;
//! - [`list`], [`revoke`]: a member's tokens and their end;
//! - [`introspect`]: whether a presented token is active.

pub mod introspect;
pub mod issue;
pub mod list;
pub mod revoke;
