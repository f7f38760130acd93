//! Where the directory meets the org's rules: a directory user's groups and
//! `active` flag decide its member's role and seat
//! ([`crate::domain::directory::effect`]), written with the seat limit and
//! the last-admin rule as conditions, so SCIM cannot break what the API
//! cannot. A change they refuse is refused as a whole, with the reason.

use crate::App;
use crate::domain::directory::{DirUser, Grant, transition};
use crate::domain::{Member, OrgSlug};
use crate::ops::OpError;
use crate::store::{Reads, Transaction, directory};
use chrono::{DateTime, Utc};

/// What the groups `user` is in grant (one read, none when in no group).
pub async fn grants_of(app: &App, org: &OrgSlug, user: &DirUser) -> Result<Vec<Grant>, OpError> {
    if user.groups.is_empty() {
        return Ok(Vec::new());
    }
    let reads = user
        .groups
        .iter()
        .fold(Reads::new(), |reads, g| reads.dir_group(org, g));
    let found = app.store.read(reads).await?;
    Ok(found.dir_groups.iter().filter_map(|g| g.grants).collect())
}

/// The member `user` is bound to, if they are still one (one read).
pub async fn member_of(
    app: &App,
    org: &OrgSlug,
    user: &DirUser,
) -> Result<Option<Member>, OpError> {
    Ok(app.store.member(org, &user.member).await?)
}

/// Pushes, under `member` and `org`, what brings `member` to the role and
/// seat `grants` give `user` now that its `active` flag changed; nothing
/// when it already has them.
pub fn push(
    tx: &mut Transaction,
    org: &OrgSlug,
    member: &Member,
    user: &DirUser,
    grants: &[Grant],
    now: DateTime<Utc>,
) -> bool {
    let current = (member.role, member.has_seat());
    let (role, seat) = transition(current, grants, grants, user.fields.is_active());
    match directory::member_effect(org, member, role, seat, now) {
        Some((update, counters)) => {
            tx.push("member", update).push("org", counters);
            true
        }
        None => false,
    }
}

/// Why the org refused a change that moved its counters: a seat it does
/// not have, or its last admin.
pub fn refusal(before: &DirUser, after: &DirUser) -> OpError {
    if after.fields.is_active() && !before.fields.is_active() {
        OpError::NoSeatsAvailable
    } else {
        OpError::LastAdmin
    }
}
