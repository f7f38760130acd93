//! Directory users (SCIM `/Users`): provision, read, list, change and
//! deprovision. A new user is bound to the org's member with its address,
//! or provisions one under a placeholder ([`crate::domain::directory`]);
//! deprovisioning removes that member and frees their seat.
//!
//! Calls: a read by id is one `BatchGetItem`; a create or a change that
//! leaves `active` alone is that read and one transaction; a change of
//! `active` and a delete read the member too (three calls).

use super::{Change, OrgDirectory, authorize, effects, expected, list_all, new_id};
use crate::App;
use crate::domain::directory::{DirUser, Meta, UserFields, placeholder_id};
use crate::domain::{Member, OrgSlug, Role, UserId};
use crate::ops::commit::Audit;
use crate::ops::{Attempt, Membership, OpError, settle};
use crate::store::rules::{Counters, counters};
use crate::store::{Reads, Transaction, directory, members};
use chrono::{DateTime, Utc};
use serde_json::json;

const USER: &str = "user";

fn not_found() -> OpError {
    OpError::DirectoryNotFound(USER)
}

fn taken() -> OpError {
    OpError::NotUnique("userName is already taken in this organization".into())
}

pub async fn create_user(dir: OrgDirectory<'_>, fields: UserFields) -> Result<DirUser, OpError> {
    let email = fields
        .binding_email()
        .map_err(|reason| OpError::invalid("emails", reason))?;
    settle(|| create_attempt(dir, &fields, &email)).await
}

async fn create_attempt(
    dir: OrgDirectory<'_>,
    fields: &UserFields,
    email: &crate::domain::Email,
) -> Attempt<DirUser> {
    let OrgDirectory { app, org, .. } = dir;
    let name = fields.user_name_key();
    let reads = Reads::new().dir_name(org, &name).member_email(org, email);
    let membership = authorize(dir, reads).await?;
    if membership.found.dir_name(&name).is_some() {
        return Err(taken());
    }
    let existing = membership.found.member_id_by_email(email).cloned();
    let user = new_user(fields, email, existing.clone(), app.now());
    let tx = provision(org, &user, existing.is_some());
    let id = &user.id;
    let audit = Audit::new(
        "directory.user_provisioned",
        id.as_str(),
        json!({"email": email, "user_name": fields.user_name,
            "bound_to_existing_member": existing.is_some()}),
    );
    match membership.commit(app, tx, audit).await? {
        Ok(()) => Ok(Some(user)),
        Err(lost) if lost.on("user_name") => Err(taken()),
        Err(lost) if lost.on("member") && existing.is_some() => Err(OpError::NotUnique(
            "another directory user is bound to this address".into(),
        )),
        // Someone joined with that address meanwhile: bind to them instead.
        Err(lost) if lost.on("member") || lost.on("member_email") => Ok(None),
        Err(lost) => Err(lost.into()),
    }
}

/// A new directory user: bound to the member `existing` (who joined by
/// invitation already), or to a placeholder member of its own.
fn new_user(
    fields: &UserFields,
    email: &crate::domain::Email,
    existing: Option<UserId>,
    now: DateTime<Utc>,
) -> DirUser {
    let id = new_id();
    DirUser {
        member: existing.unwrap_or_else(|| {
            placeholder_id(&id).expect("a new directory id is a UUID: a valid user id")
        }),
        id,
        fields: fields.clone(),
        email: email.clone(),
        groups: Vec::new(),
        meta: Meta::new(now, 1),
    }
}

/// The user's items, and its member: bound when it existed (the directory
/// manages them now), provisioned with the org's counters when not.
fn provision(org: &OrgSlug, user: &DirUser, existing: bool) -> Transaction {
    let mut tx = Transaction::new();
    for (name, action) in directory::put_user(org, user, None) {
        tx.push(name, action);
    }
    if existing {
        tx.push(
            "member",
            directory::bind_member(org, &user.member, &user.id),
        );
        return tx;
    }
    let member = Member {
        user_id: user.member.clone(),
        email: user.email.clone(),
        role: Role::Member,
        seat_assigned_at: None,
        seat_epoch: 0,
        joined_at: user.meta.created,
        seat_last_used_at: None,
    };
    let [item, email_item] = directory::provision_member(org, &member, &user.id);
    tx.push("member", item)
        .push("member_email", email_item)
        .push("org", counters(org, Counters::NONE));
    tx
}

/// One user by id: one read.
pub async fn get_user(dir: OrgDirectory<'_>, id: &str) -> Result<DirUser, OpError> {
    let membership = authorize(dir, Reads::new().dir_user(dir.org, id)).await?;
    membership.found.dir_user(id).cloned().ok_or_else(not_found)
}

/// The user with `user_name` (compared case-insensitively): two reads.
pub async fn find_by_user_name(
    dir: OrgDirectory<'_>,
    user_name: &str,
) -> Result<Option<DirUser>, OpError> {
    let OrgDirectory { app, org, .. } = dir;
    let name = user_name.to_lowercase();
    let membership = authorize(dir, Reads::new().dir_name(org, &name)).await?;
    let Some(id) = membership.found.dir_name(&name) else {
        return Ok(None);
    };
    let found = app.store.read(Reads::new().dir_user(org, id)).await?;
    Ok(found.dir_user(id).cloned())
}

/// Every user of the org (SCIM filters and pages them).
pub async fn list_users(dir: OrgDirectory<'_>) -> Result<Vec<DirUser>, OpError> {
    list_all(dir, directory::users).await
}

/// Replaces a user's fields with what `change` makes of the user as read
/// (a PUT, or a PATCH applied to it); `if_match`: the version the caller
/// expects it at.
pub async fn modify_user(
    dir: OrgDirectory<'_>,
    id: &str,
    if_match: Option<u64>,
    change: Change<'_, DirUser, UserFields>,
) -> Result<DirUser, OpError> {
    settle(|| modify_attempt(dir, id, if_match, change)).await
}

async fn modify_attempt(
    dir: OrgDirectory<'_>,
    id: &str,
    if_match: Option<u64>,
    change: Change<'_, DirUser, UserFields>,
) -> Attempt<DirUser> {
    let OrgDirectory { app, org, .. } = dir;
    let (membership, user) = read_user(dir, id, if_match).await?;
    // The member keeps the address it was bound by: emails may change freely.
    let fields = change(&user)?;
    if fields == user.fields {
        return Ok(Some(user));
    }
    let old_name = user.fields.user_name_key();
    let updated = DirUser {
        fields,
        meta: user.meta.changed(app.now()),
        ..user.clone()
    };
    let mut tx = Transaction::new();
    for (name, action) in directory::put_user(org, &updated, Some(&old_name)) {
        tx.push(name, action);
    }
    let moves: Vec<_> = if updated.fields.is_active() != user.fields.is_active() {
        activation_move(app, org, &updated, &membership.found, &mut tx)
            .await?
            .into_iter()
            .collect()
    } else {
        Vec::new()
    };
    let audit = Audit::new(
        "directory.user_updated",
        id,
        json!({"email": updated.email, "active": updated.fields.is_active(), "moves": moves}),
    );
    match membership.commit(app, tx, audit).await? {
        Ok(()) => Ok(Some(updated)),
        Err(lost) if lost.on("user_name") => Err(taken()),
        Err(lost) if lost.on("org") => Err(effects::refusal(&user, &updated)),
        Err(lost) if lost.on("user") || lost.on("member") => Ok(None),
        Err(lost) => Err(lost.into()),
    }
}

/// Activation moves the seat: it follows from the groups again. What moved,
/// for the audit entry.
async fn activation_move(
    app: &App,
    org: &OrgSlug,
    updated: &DirUser,
    found: &crate::store::Found,
    tx: &mut Transaction,
) -> Result<Option<serde_json::Value>, OpError> {
    let bound = effects::bound(app, org, updated, found).await?;
    Ok(bound
        .member
        .as_ref()
        .and_then(|member| effects::push(tx, org, member, updated, &bound.grants, app.now())))
}

/// The user `id` as the authorizing read found it (with the placeholder
/// member it may be bound to), unless the caller expects another version
/// (`if_match`).
async fn read_user(
    dir: OrgDirectory<'_>,
    id: &str,
    if_match: Option<u64>,
) -> Result<(Membership, DirUser), OpError> {
    let membership = authorize(dir, user_and_placeholder(dir.org, id)).await?;
    let user = expected(membership.found.dir_user(id), if_match, not_found)?;
    Ok((membership, user))
}

/// Deprovisions a user: its member leaves the org (their seat freed, their
/// tokens dead), unless they are its last admin.
pub async fn delete_user(
    dir: OrgDirectory<'_>,
    id: &str,
    if_match: Option<u64>,
) -> Result<(), OpError> {
    settle(|| delete_attempt(dir, id, if_match)).await
}

async fn delete_attempt(dir: OrgDirectory<'_>, id: &str, if_match: Option<u64>) -> Attempt<()> {
    let OrgDirectory { app, org, .. } = dir;
    let (membership, user) = read_user(dir, id, if_match).await?;
    let mut tx = Transaction::new();
    for (name, action) in directory::delete_user(org, &user) {
        tx.push(name, action);
    }
    let bound = effects::bound(app, org, &user, &membership.found).await?;
    let member = bound.member;
    if let Some(member) = &member {
        let [item, email_item] = members::remove(org, member);
        let change = Counters::free_seat()
            .when(member.has_seat())
            .and(Counters::drop_admin().when(member.role == Role::Admin));
        tx.push("member", item)
            .push("member_email", email_item)
            .push("org", counters(org, change));
    }
    for mut group in bound.groups {
        // The groups it was in lose it, in the same write.
        group.members.retain(|m| *m != user.id);
        group.meta = group.meta.changed(app.now());
        tx.push("group", directory::put_group(org, &group));
    }
    let mut detail = json!({"email": user.email, "member_removed": member.is_some()});
    if let Some(member) = &member {
        detail["user_id"] = json!(member.user_id);
        detail["role"] = json!(member.role);
        detail["had_seat"] = json!(member.has_seat());
    }
    let audit = Audit::new("directory.user_deprovisioned", id, detail);
    match membership.commit(app, tx, audit).await? {
        Ok(()) => Ok(Some(())),
        Err(lost) if lost.on("org") => Err(OpError::LastAdmin),
        Err(lost) if lost.on("user") || lost.on("member") || lost.on("group") => Ok(None),
        Err(lost) => Err(lost.into()),
    }
}

/// The first read of a change to user `id`: the user, and the member it is
/// bound to while its person has not joined (its id follows from the
/// user's), so that common case needs no second read.
fn user_and_placeholder(org: &OrgSlug, id: &str) -> Reads {
    let reads = Reads::new().dir_user(org, id);
    match placeholder_id(id) {
        Some(placeholder) => reads.member(org, &placeholder),
        None => reads,
    }
}
