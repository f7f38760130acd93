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

/// What a directory user's member and groups are now.
pub struct Bound {
    /// The member it is bound to, if they are still one.
    pub member: Option<Member>,
    /// What its groups grant.
    pub grants: Vec<Grant>,
    /// Its groups, as read.
    pub groups: Vec<crate::domain::directory::DirGroup>,
}

/// Reads `user`'s member and groups, in one call; none when `found` (the
/// operation's first read) already holds its member and it is in no group.
pub async fn bound(
    app: &App,
    org: &OrgSlug,
    user: &DirUser,
    found: &crate::store::Found,
) -> Result<Bound, OpError> {
    let known = found.member(&user.member).cloned();
    if known.is_some() && user.groups.is_empty() {
        return Ok(Bound {
            member: known,
            grants: Vec::new(),
            groups: Vec::new(),
        });
    }
    let reads = user
        .groups
        .iter()
        .fold(Reads::new().member(org, &user.member), |reads, g| {
            reads.dir_group(org, g)
        });
    let read = app.store.read(reads).await?;
    Ok(Bound {
        member: read.member(&user.member).cloned(),
        grants: read.dir_groups.iter().filter_map(|g| g.grants).collect(),
        groups: read.dir_groups,
    })
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
) {
    let current = (member.role, member.has_seat());
    let (role, seat) = transition(current, grants, grants, user.fields.is_active());
    if let Some((update, counters)) = directory::member_effect(org, member, role, seat, now) {
        tx.push("member", update).push("org", counters);
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
