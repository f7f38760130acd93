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
/// Returns the move, as [`moved`] records it, when there is one.
pub fn push(
    tx: &mut Transaction,
    org: &OrgSlug,
    member: &Member,
    user: &DirUser,
    grants: &[Grant],
    now: DateTime<Utc>,
) -> Option<serde_json::Value> {
    let current = (member.role, member.has_seat());
    let (role, seat) = transition(current, grants, grants, user.fields.is_active());
    let (update, counters) = directory::member_effect(org, member, role, seat, now)?;
    tx.push("member", update).push("org", counters);
    moved(member, role, seat)
}

/// What moving `member` to `role` and `seat` changes, for the audit entry
/// (other systems follow it as `seat.*` and `member.role_changed`):
/// `{"user_id", "email", "seat"?: bool, "role"?: {"from", "to"}}`, or
/// `None` when nothing changes.
pub fn moved(member: &Member, role: crate::domain::Role, seat: bool) -> Option<serde_json::Value> {
    let mut entry = serde_json::json!({"user_id": member.user_id, "email": member.email});
    if seat != member.has_seat() {
        entry["seat"] = seat.into();
    }
    if role != member.role {
        entry["role"] = serde_json::json!({"from": member.role, "to": role});
    }
    (entry.as_object()?.len() > 2).then_some(entry)
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
