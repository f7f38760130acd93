//! Members: who belongs to an org, with which role and seat.
//!
//! - [`list`], [`get`]: reading members;
//! - [`change_role`], [`remove`]: under the rule that keeps one admin;
//! - [`assign_seat`], [`revoke_seat`]: seats under the org's seat limit;
//! - [`my_orgs`]: the caller's own memberships across orgs.

pub mod assign_seat;
pub mod change_role;
pub mod get;
pub mod list;
pub mod my_orgs;
pub mod remove;
pub mod revoke_seat;
