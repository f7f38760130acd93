//! Orgs: creating, reading and changing an org, and its audit log.
//!
//! - [`create`], [`get`], [`update`]: the org itself;
//! - [`audit`]: the audit log every write appends to.

pub mod audit;
pub mod create;
pub mod get;
pub mod update;
