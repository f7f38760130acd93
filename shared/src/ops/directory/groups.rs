//! Directory groups (SCIM `/Groups`): create, read, list, change and delete,
//! and what a change of members does to a group that grants something: the
//! members who come gain it and those who go lose it (unless another group
//! of theirs grants it), checked as a whole against the seat limit and the
//! last admin before anything is written. A refused change writes nothing
//! and names why; it is audited as refused (the console shows it).
//!
//! Calls: a read by id is one `BatchGetItem`; a change that moves no member
//! is that read and one transaction; one that moves members also reads
//! them, their members and the org's groups, and writes them in
//! transactions of up to [`USERS_PER_WRITE`] users, paced to the org
//! partition's write budget, the group last. A change too large for one
//! request (2,000 users) answers `503` with `Retry-After` after 15 s and is
//! resumed by the identity provider's retry, which moves only the rest.

use super::{Change, OrgDirectory, authorize, expected, list_all, new_id};
use crate::App;
use crate::domain::directory::{
    DirGroup, DirUser, Grant, GroupFields, MAX_GROUP_MEMBERS, Meta, transition,
};
use crate::domain::import::{Pacer, transactional_write_units};
use crate::domain::{Member, Org, Role};
use crate::ops::commit::{Audit, commit};
use crate::ops::{Attempt, Membership, OpError, settle};
use crate::store::rules::counters_by;
use crate::store::{Reads, Transaction, directory};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::{HashMap, HashSet};

const GROUP: &str = "group";

/// Users moved in one transaction (two actions each, with the org's
/// counters, the caller's guard, the moves' audit entry and, in the last
/// chunk, the group and its own audit entry: under DynamoDB's 100).
pub const USERS_PER_WRITE: usize = 45;

/// How long a request plans and moves users before it answers `503` with
/// `Retry-After` and leaves the rest to the client's retry: with room for
/// its last chunk inside the function's 29 s and API Gateway's 30 s.
const MOVE_TIME: std::time::Duration = std::time::Duration::from_secs(15);

fn not_found() -> OpError {
    OpError::DirectoryNotFound(GROUP)
}

pub async fn create_group(dir: OrgDirectory<'_>, fields: GroupFields) -> Result<DirGroup, OpError> {
    check(&fields)?;
    let now = dir.app.now();
    let group = DirGroup {
        id: new_id(),
        display_name: fields.display_name.clone(),
        external_id: fields.external_id.clone(),
        members: Vec::new(),
        grants: None,
        meta: Meta::new(now, 0),
    };
    settle(|| async {
        let membership = authorize(dir, Reads::new()).await?;
        write_attempt_as(dir.app, &membership, &group, &|_| Ok(fields.clone())).await
    })
    .await
}

fn check(fields: &GroupFields) -> Result<(), OpError> {
    if fields.members.len() > MAX_GROUP_MEMBERS {
        return Err(OpError::TooLarge(format!(
            "a group holds at most {MAX_GROUP_MEMBERS} members"
        )));
    }
    Ok(())
}

pub async fn get_group(dir: OrgDirectory<'_>, id: &str) -> Result<DirGroup, OpError> {
    let (_, group) = read_group(dir, id, None).await?;
    Ok(group)
}

pub async fn list_groups(dir: OrgDirectory<'_>) -> Result<Vec<DirGroup>, OpError> {
    list_all(dir, directory::groups).await
}

/// Replaces a group's fields with what `change` makes of it as read.
pub async fn modify_group(
    dir: OrgDirectory<'_>,
    id: &str,
    if_match: Option<u64>,
    change: Change<'_, DirGroup, GroupFields>,
) -> Result<DirGroup, OpError> {
    settle(|| async {
        let (membership, group) = read_group(dir, id, if_match).await?;
        write_attempt_as(dir.app, &membership, &group, change).await
    })
    .await
}

/// The group `id` as the authorizing read found it, unless the caller
/// expects another version (`if_match`).
pub(super) async fn read_group(
    dir: OrgDirectory<'_>,
    id: &str,
    if_match: Option<u64>,
) -> Result<(Membership, DirGroup), OpError> {
    let membership = authorize(dir, Reads::new().dir_group(dir.org, id)).await?;
    let group = expected(membership.found.dir_group(id), if_match, not_found)?;
    Ok((membership, group))
}

pub async fn delete_group(
    dir: OrgDirectory<'_>,
    id: &str,
    if_match: Option<u64>,
) -> Result<(), OpError> {
    let OrgDirectory { app, org, .. } = dir;
    let empty = |g: &DirGroup| {
        Ok(GroupFields {
            display_name: g.display_name.clone(),
            external_id: g.external_id.clone(),
            members: Vec::new(),
        })
    };
    // First its members leave (losing what it granted), then it goes.
    let group = modify_group(dir, id, if_match, &empty).await?;
    settle(|| async {
        let membership = authorize(dir, Reads::new().dir_group(org, id)).await?;
        let Some(found) = membership.found.dir_group(id) else {
            return Ok(Some(()));
        };
        let mut tx = Transaction::new();
        tx.push("group", directory::delete_group(org, found));
        let audit = Audit::new(
            "directory.group_deleted",
            id,
            json!({"display_name": group.display_name}),
        );
        match membership.commit(app, tx, audit).await? {
            Ok(()) => Ok(Some(())),
            Err(lost) if lost.on("group") => Ok(None),
            Err(lost) => Err(lost.into()),
        }
    })
    .await
}

/// Sets what a group grants (admins, from the console), and applies it to
/// its members.
pub async fn set_grants(
    app: &App,
    membership: &Membership,
    group: &DirGroup,
    grants: Option<crate::domain::directory::Grant>,
) -> Attempt<DirGroup> {
    let changed = DirGroup {
        grants,
        ..group.clone()
    };
    write(app, membership, group, changed, true).await
}

async fn write_attempt_as(
    app: &App,
    membership: &Membership,
    group: &DirGroup,
    change: Change<'_, DirGroup, GroupFields>,
) -> Attempt<DirGroup> {
    let fields = change(group)?;
    check(&fields)?;
    let changed = DirGroup {
        display_name: fields.display_name,
        external_id: fields.external_id,
        members: fields.members,
        ..group.clone()
    };
    write(app, membership, group, changed, false).await
}

/// Writes `changed` over `group` (version 0: new), and moves the users
/// whose membership or grants changed.
async fn write(
    app: &App,
    membership: &Membership,
    group: &DirGroup,
    mut changed: DirGroup,
    grants_changed: bool,
) -> Attempt<DirGroup> {
    let started = std::time::Instant::now();
    if group.meta.version > 0 && same_group(group, &changed) {
        return Ok(Some(group.clone()));
    }
    changed.meta = group.meta.changed(app.now());
    let moved = moved_users(group, &changed, grants_changed);
    let plan = if moved.is_empty() {
        Vec::new()
    } else {
        plan_moves(app, membership, group, &changed, &moved).await?
    };
    let (seats, admins) = plan.iter().fold((0i64, 0i64), |(s, a), m| {
        (s + m.seat_delta, a + m.admin_delta)
    });
    if let Some((reason, refusal)) = refusal(&membership.org, seats, admins) {
        record_refusal(app, membership, &changed, &reason).await?;
        return Err(refusal);
    }
    // Users move first, chunk by chunk, paced to the org partition's write
    // budget (the one import jobs keep to); the group itself is written
    // last, with the last chunk and the audit entry. A change cut short (out
    // of time, or a lost race) is resumed by the client's retry, which plans
    // only the users not moved yet: a moved user's groups and member already
    // say what the change asks.
    let chunks: Vec<&[Move]> = plan.chunks(USERS_PER_WRITE).collect();
    let (last, before) = chunks
        .split_last()
        .map_or((&[][..], &[][..]), |(l, b)| (*l, b));
    if !move_chunks(app, membership, &changed, before, plan.len(), started).await? {
        return Ok(None);
    }
    commit_group(app, membership, group, changed, last, plan.len(), seats > 0).await
}

/// Whether `changed` says nothing `group` does not.
fn same_group(group: &DirGroup, changed: &DirGroup) -> bool {
    (
        &changed.display_name,
        &changed.external_id,
        &changed.members,
        changed.grants,
    ) == (
        &group.display_name,
        &group.external_id,
        &group.members,
        group.grants,
    )
}

/// The users a change touches: those who come or go, or every member
/// before and after when what the group grants changed.
fn moved_users(group: &DirGroup, changed: &DirGroup, grants_changed: bool) -> Vec<String> {
    let before: HashSet<&String> = group.members.iter().collect();
    let after: HashSet<&String> = changed.members.iter().collect();
    let moved = if grants_changed {
        before.union(&after).copied().collect::<Vec<_>>()
    } else {
        before.symmetric_difference(&after).copied().collect()
    };
    moved.into_iter().cloned().collect()
}

/// Why a change that takes `seats` seats and `admins` admins (negative:
/// frees them) cannot be written in `org` as a whole, and the error that
/// says so: more seats than are free, or no admin left.
fn refusal(org: &Org, seats: i64, admins: i64) -> Option<(String, OpError)> {
    let limit = org.seat_limit.get();
    if seats > 0 && i64::from(org.seats_used) + seats > i64::from(limit) {
        let reason = format!(
            "no seats available: this change needs {seats} more seat(s) and {} of {limit} are free",
            limit.saturating_sub(org.seats_used),
        );
        Some((reason, OpError::NoSeatsAvailable))
    } else if admins < 0 && i64::from(org.admin_count) + admins < 1 {
        Some((
            "the organization would have no admin left".into(),
            OpError::LastAdmin,
        ))
    } else {
        None
    }
}

/// Writes every chunk but the last, paced; false when a race lost (the
/// caller plans again from a fresh read). Out of time: `503`, the rest left
/// to the client's retry.
async fn move_chunks(
    app: &App,
    membership: &Membership,
    changed: &DirGroup,
    chunks: &[&[Move]],
    planned: usize,
    started: std::time::Instant,
) -> Result<bool, OpError> {
    let mut pacer = Pacer::new(app.config.import_write_units_per_second);
    for chunk in chunks {
        if started.elapsed() > MOVE_TIME {
            let rest = format!(
                "group {}: moving {planned} users continues on retry",
                changed.id
            );
            return Err(OpError::Unavailable(rest.into()));
        }
        let mut tx = Transaction::new();
        let units = push_moves(&mut tx, membership, chunk, changed.meta.modified);
        membership.guard(&mut tx);
        let began = std::time::Instant::now();
        match app.store.transact(tx).await {
            Ok(()) => tokio::time::sleep(pacer.after_write(units, began.elapsed())).await,
            Err(err) if err.is_condition_failed() => return Ok(false),
            Err(err) => return Err(err.into()),
        }
    }
    Ok(true)
}

/// The group, the last chunk of moves and the audit entry, in one
/// transaction.
async fn commit_group(
    app: &App,
    membership: &Membership,
    group: &DirGroup,
    changed: DirGroup,
    last: &[Move],
    moved: usize,
    needs_seats: bool,
) -> Attempt<DirGroup> {
    let mut tx = Transaction::new();
    tx.push(
        "group",
        directory::put_group(&membership.org.slug, &changed),
    );
    push_moves(&mut tx, membership, last, changed.meta.modified);
    let action = if group.meta.version == 0 {
        "directory.group_created"
    } else {
        "directory.group_updated"
    };
    let audit = Audit::new(
        action,
        changed.id.as_str(),
        json!({"display_name": changed.display_name, "members": changed.members.len(),
            "grants": changed.grants.map(|g| g.as_str()), "users_moved": moved}),
    );
    match membership.commit(app, tx, audit).await? {
        Ok(()) => Ok(Some(changed)),
        Err(lost) if lost.on("org") && needs_seats => Err(OpError::NoSeatsAvailable),
        Err(lost) if lost.on("org") => Err(OpError::LastAdmin),
        Err(lost) if lost.on("group") || lost.on("user") || lost.on("member") => Ok(None),
        Err(lost) => Err(lost.into()),
    }
}

/// One user's move: its group list and, when it changes, its member.
struct Move {
    user: DirUser,
    groups: Vec<String>,
    member: Option<(Member, Role, bool)>,
    seat_delta: i64,
    admin_delta: i64,
}

async fn plan_moves(
    app: &App,
    membership: &Membership,
    group: &DirGroup,
    changed: &DirGroup,
    moved: &[String],
) -> Result<Vec<Move>, OpError> {
    let org = &membership.org.slug;
    let reads = moved.iter().fold(Reads::new(), |r, id| r.dir_user(org, id));
    let users = app.store.read(reads).await?.dir_users;
    let stays: HashSet<&String> = changed.members.iter().collect();
    let found_ids: HashSet<&String> = users.iter().map(|u| &u.id).collect();
    if let Some(missing) = moved
        .iter()
        .find(|id| stays.contains(id) && !found_ids.contains(id))
    {
        return Err(OpError::invalid(
            "members",
            crate::domain::Invalid::new(format!("no user {missing} in this directory")),
        ));
    }
    let member_reads = users
        .iter()
        .fold(Reads::new(), |r, u| r.member(org, &u.member));
    let found = app.store.read(member_reads).await?;
    // What every group grants now, and once this change is written.
    let now: Grants = app
        .store
        .all(&directory::groups(org))
        .await?
        .into_iter()
        .map(|g| (g.id, g.grants))
        .chain([(group.id.clone(), group.grants)])
        .collect();
    let mut then = now.clone();
    then.insert(changed.id.clone(), changed.grants);
    Ok(users
        .into_iter()
        .filter_map(|user| {
            let member = found.member(&user.member).cloned();
            let stays = stays.contains(&user.id);
            plan_move(user, member, changed, stays, (&now, &then))
        })
        .collect())
}

/// What each group grants, by group id.
type Grants = HashMap<String, Option<Grant>>;

/// One user's move, decided from what the groups grant before and after the
/// change (`grants`); none when the user is already where the change puts it
/// (moved by an earlier, cut-short attempt, or by another group of the same
/// grant).
fn plan_move(
    user: DirUser,
    member: Option<Member>,
    changed: &DirGroup,
    stays: bool,
    (now, then): (&Grants, &Grants),
) -> Option<Move> {
    let mut groups: Vec<String> = user
        .groups
        .iter()
        .filter(|g| **g != changed.id)
        .cloned()
        .collect();
    if stays {
        groups.push(changed.id.clone());
    }
    let given = |ids: &[String], grants: &Grants| -> Vec<Grant> {
        ids.iter()
            .filter_map(|g| grants.get(g).copied().flatten())
            .collect()
    };
    let (before, after) = (given(&user.groups, now), given(&groups, then));
    let (role, seat) = match &member {
        Some(m) => transition(
            (m.role, m.has_seat()),
            &before,
            &after,
            user.fields.is_active(),
        ),
        None => (Role::Member, false),
    };
    let member_unchanged = member
        .as_ref()
        .is_none_or(|m| (m.role, m.has_seat()) == (role, seat));
    if groups == user.groups && member_unchanged {
        return None;
    }
    let (seat_delta, admin_delta) = match &member {
        Some(m) => (
            i64::from(seat) - i64::from(m.has_seat()),
            i64::from(role == Role::Admin) - i64::from(m.role == Role::Admin),
        ),
        None => (0, 0),
    };
    Some(Move {
        member: member.map(|m| (m, role, seat)),
        user,
        groups,
        seat_delta,
        admin_delta,
    })
}

/// Pushes `moves` onto `tx`; the write units they cost.
fn push_moves(
    tx: &mut Transaction,
    membership: &Membership,
    moves: &[Move],
    now: DateTime<Utc>,
) -> u32 {
    let org = &membership.org.slug;
    let (mut seats, mut admins, mut items) = (0, 0, 0);
    for m in moves {
        if m.groups != m.user.groups {
            tx.push(
                "user",
                directory::set_user_groups(org, &m.user, &m.groups, now),
            );
            items += 1;
        }
        if let Some((member, role, seat)) = &m.member
            && let Some((update, _)) = directory::member_effect(org, member, *role, *seat, now)
        {
            tx.push("member", update);
            seats += m.seat_delta;
            admins += m.admin_delta;
            items += 1;
        }
    }
    if seats != 0 || admins != 0 {
        tx.push("org", counters_by(org, &membership.org, seats, admins));
        items += 1;
    }
    if let Some(audit) = moves_audit(moves) {
        let entry = audit.entry(membership, now);
        tx.push("moves", crate::store::audit::record(org, &entry));
        items += 1;
    }
    items * transactional_write_units(1024)
}

/// The seats and roles a chunk of moves gives or takes, member by member
/// (other systems follow them as `seat.*` and `member.role_changed`).
fn moves_audit(moves: &[Move]) -> Option<Audit> {
    let moved: Vec<_> = moves
        .iter()
        .filter_map(|m| {
            let (member, role, seat) = m.member.as_ref()?;
            super::effects::moved(member, *role, *seat)
        })
        .collect();
    let count = moved.len();
    (count > 0).then(|| {
        Audit::new(
            "directory.members_moved",
            format!("{count} members"),
            json!({ "moves": moved }),
        )
    })
}

/// A refused change is audited, so the console shows it.
async fn record_refusal(
    app: &App,
    membership: &Membership,
    group: &DirGroup,
    reason: &str,
) -> Result<(), OpError> {
    let audit = Audit::new(
        "directory.change_refused",
        group.id.as_str(),
        json!({"group": group.display_name, "reason": reason}),
    );
    // Nothing but the entry: the change itself is not written.
    match commit(
        app,
        membership,
        &membership.org.slug,
        Transaction::new(),
        audit,
        None,
    )
    .await?
    {
        Ok(()) => Ok(()),
        Err(lost) => Err(lost.into()),
    }
}
