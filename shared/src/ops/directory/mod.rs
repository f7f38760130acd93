//! Directory sync: what an org's identity provider does through SCIM, and
//! what it means for members ([`crate::domain::directory`] has the model).
//!
//! - [`users`]: provision, read, change and deprovision directory users; each
//!   is bound to a member, created at once under a placeholder when the
//!   address is new to the org.
//! - [`groups`]: groups and their members; a group that grants something
//!   changes its members' roles and seats as they come and go.
//! - [`effects`]: the one place a directory user's groups and `active` flag
//!   become its member's role and seat, under the org's rules (seat limit,
//!   last admin).
//! - [`join`]: a provisioned person signs in and becomes the member.
//! - [`grants`]: admins link a group to what it grants, and see the
//!   directory's state (the console's Directory sync page).
//!
//! Every write is audited with the SCIM key as actor, and conditioned on the
//! version read: a lost race runs the operation again from its read.

pub mod effects;
pub mod grants;
pub mod groups;
pub mod join;
pub mod users;

use crate::App;
use crate::domain::Action;
use crate::domain::OrgSlug;
use crate::domain::directory::Versioned;
use crate::ops::{Caller, Membership, OpError};
use crate::store::{Query, Reads};

/// An org's directory as one caller acts on it: what every directory
/// operation is given first.
#[derive(Clone, Copy)]
pub struct OrgDirectory<'a> {
    pub app: &'a App,
    /// A SCIM key acting as admin (or, for the console's pages, an admin).
    pub caller: &'a Caller,
    pub org: &'a OrgSlug,
}

/// The authorizing read of every directory operation: the org, the caller
/// and `extra`.
pub(crate) async fn authorize(dir: OrgDirectory<'_>, extra: Reads) -> Result<Membership, OpError> {
    Membership::authorize(dir.app, dir.org, dir.caller, extra, Action::ManageDirectory).await
}

/// What a `PUT` or a `PATCH` makes of a resource `R` as read: its new fields
/// `F`, or why not.
pub type Change<'a, R, F> = &'a (dyn Fn(&R) -> Result<F, OpError> + Sync);

/// Every resource `query` lists (SCIM filters and pages them), once the
/// caller is authorized.
async fn list_all<T>(
    dir: OrgDirectory<'_>,
    query: fn(&OrgSlug) -> Query<T>,
) -> Result<Vec<T>, OpError> {
    authorize(dir, Reads::new()).await?;
    Ok(dir.app.store.all(&query(dir.org)).await?)
}

/// The resource a read `found`, unless it is missing (`missing`) or at
/// another version than the caller expects (`if_match`).
fn expected<T: Versioned + Clone>(
    found: Option<&T>,
    if_match: Option<u64>,
    missing: fn() -> OpError,
) -> Result<T, OpError> {
    let found = found.cloned().ok_or_else(missing)?;
    if found.meta().refuses(if_match) {
        return Err(OpError::VersionMismatch);
    }
    Ok(found)
}

/// New directory resources are UUIDv7: they sort by creation.
pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
