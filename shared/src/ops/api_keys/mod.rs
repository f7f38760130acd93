//! Org API keys: credentials for scripts, each acting in one org with one
//! role (see [`crate::domain::api_key`]). Only a signed-in admin manages
//! them: a key cannot create, list or revoke keys, so a leaked one cannot
//! make itself a successor.
//!
//! - [`create`]: a new key, shown once, stored as its hash;
//! - [`list`]: the org's keys with their last use;
//! - [`revoke`]: a key's end, effective at once.

pub mod create;
pub mod list;
pub mod revoke;
