//! Directory sync items: users (with a lookup item that keeps user names
//! unique in the org), groups, and the members they provision and change.
//! Every write is conditioned on the version that was read, so two SCIM
//! requests racing on one resource cannot both win.

use super::attrs::{get_list_s, get_n, get_s, get_time, key, n, opt_s, parsed, s, time, typed};
use super::keys::{
    DIR_GROUP_PREFIX, DIR_NAME_PREFIX, DIR_USER_PREFIX, GSI1, org_pk, provisioned_gsi1pk,
};
use super::members::{email_item, member_key, to_item};
use super::page::Query;
use super::rules::{Counters, counters};
use super::{Action, Item, StoreError};
use crate::domain::directory::{DirGroup, DirUser, Grant, Meta, UserFields};
use crate::domain::{Email, Member, OrgSlug, Role, UserId};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

pub fn user_key(org: &OrgSlug, id: &str) -> Item {
    key(org_pk(org), format!("{DIR_USER_PREFIX}{id}"))
}

pub fn name_key(org: &OrgSlug, user_name_key: &str) -> Item {
    key(org_pk(org), format!("{DIR_NAME_PREFIX}{user_name_key}"))
}

pub fn group_key(org: &OrgSlug, id: &str) -> Item {
    key(org_pk(org), format!("{DIR_GROUP_PREFIX}{id}"))
}

fn list(values: &[String]) -> AttributeValue {
    AttributeValue::L(values.iter().map(|v| s(v.as_str())).collect())
}

fn user_item(org: &OrgSlug, user: &DirUser) -> Item {
    let mut item = typed(user_key(org, &user.id), "dir_user");
    item.insert("id".into(), s(user.id.as_str()));
    item.insert("user_name".into(), s(user.fields.user_name.as_str()));
    item.insert("email".into(), s(user.email.as_str()));
    item.insert("member".into(), s(user.member.as_str()));
    item.insert(
        "active".into(),
        AttributeValue::Bool(user.fields.is_active()),
    );
    item.insert(
        "doc".into(),
        s(serde_json::to_string(&user.fields).expect("fields serialize")),
    );
    item.insert("groups".into(), list(&user.groups));
    put_meta(&mut item, user.meta);
    item
}

fn put_meta(item: &mut Item, meta: Meta) {
    item.insert("created".into(), time(meta.created));
    item.insert("modified".into(), time(meta.modified));
    item.insert("version".into(), n(meta.version));
}

fn meta_from_item(item: &Item) -> Result<Meta, StoreError> {
    Ok(Meta {
        created: get_time(item, "created")?,
        modified: get_time(item, "modified")?,
        version: get_n(item, "version")?,
    })
}

pub fn user_from_item(item: &Item) -> Result<DirUser, StoreError> {
    let fields: UserFields = serde_json::from_str(get_s(item, "doc")?)
        .map_err(|e| StoreError::Corrupt(format!("directory user doc: {e}")))?;
    Ok(DirUser {
        id: get_s(item, "id")?.to_owned(),
        fields,
        email: parsed(item, "email", Email::from_stored)?,
        member: parsed(item, "member", UserId::parse)?,
        groups: get_list_s(item, "groups")?,
        meta: meta_from_item(item)?,
    })
}

fn name_item(org: &OrgSlug, user: &DirUser) -> Item {
    let mut item = typed(name_key(org, &user.fields.user_name_key()), "dir_name");
    item.insert("id".into(), s(user.id.as_str()));
    item
}

pub fn name_from_item(item: &Item) -> Result<(String, String), StoreError> {
    let sk = get_s(item, "sk")?;
    let name = sk.strip_prefix(DIR_NAME_PREFIX).unwrap_or(sk).to_owned();
    Ok((name, get_s(item, "id")?.to_owned()))
}

fn group_item(org: &OrgSlug, group: &DirGroup) -> Item {
    let mut item = typed(group_key(org, &group.id), "dir_group");
    item.insert("id".into(), s(group.id.as_str()));
    item.insert("display_name".into(), s(group.display_name.as_str()));
    if let Some(external_id) = &group.external_id {
        item.insert("external_id".into(), s(external_id.as_str()));
    }
    item.insert("members".into(), list(&group.members));
    if let Some(grant) = group.grants {
        item.insert("grants".into(), s(grant.as_str()));
    }
    put_meta(&mut item, group.meta);
    item
}

pub fn group_from_item(item: &Item) -> Result<DirGroup, StoreError> {
    Ok(DirGroup {
        id: get_s(item, "id")?.to_owned(),
        display_name: get_s(item, "display_name")?.to_owned(),
        external_id: opt_s(item, "external_id").map(str::to_owned),
        members: get_list_s(item, "members")?,
        grants: opt_s(item, "grants")
            .map(Grant::parse)
            .transpose()
            .map_err(StoreError::corrupt)?,
        meta: meta_from_item(item)?,
    })
}

/// Puts `item`: new when `version` is 1, else only over the version before.
fn versioned_put(item: Item, version: u64) -> Action {
    if version <= 1 {
        Action::put_new(item)
    } else {
        Action::put(item)
            .when("version = :seen")
            .value(":seen", n(version - 1))
    }
}

/// A user written at its `version` (1: new), with its name's lookup item
/// when the name is new (`old_name`: the lower-cased name it had, if another).
pub fn put_user(
    org: &OrgSlug,
    user: &DirUser,
    old_name: Option<&str>,
) -> Vec<(&'static str, Action)> {
    let mut actions = vec![(
        "user",
        versioned_put(user_item(org, user), user.meta.version),
    )];
    let name = user.fields.user_name_key();
    if user.meta.version <= 1 || old_name.is_some_and(|old| old != name) {
        actions.push(("user_name", Action::put_new(name_item(org, user))));
        if let Some(old) = old_name.filter(|old| *old != name) {
            actions.push(("old_user_name", Action::delete(name_key(org, old))));
        }
    }
    actions
}

/// The user's items go, if it is still at the version read.
pub fn delete_user(org: &OrgSlug, user: &DirUser) -> [(&'static str, Action); 2] {
    [
        (
            "user",
            Action::delete(user_key(org, &user.id))
                .when("version = :seen")
                .value(":seen", n(user.meta.version)),
        ),
        (
            "user_name",
            Action::delete(name_key(org, &user.fields.user_name_key())),
        ),
    ]
}

/// A group written at its `version` (1: new).
pub fn put_group(org: &OrgSlug, group: &DirGroup) -> Action {
    versioned_put(group_item(org, group), group.meta.version)
}

pub fn delete_group(org: &OrgSlug, group: &DirGroup) -> Action {
    Action::delete(group_key(org, &group.id))
        .when("version = :seen")
        .value(":seen", n(group.meta.version))
}

/// A user's group list, replaced if the user is still at the version read.
pub fn set_user_groups(
    org: &OrgSlug,
    user: &DirUser,
    groups: &[String],
    now: DateTime<Utc>,
) -> Action {
    Action::update(
        user_key(org, &user.id),
        "SET #groups = :groups, version = version + :one, modified = :now",
    )
    .when("version = :seen")
    .name("#groups", "groups")
    .value(":groups", list(groups))
    .value(":one", n(1))
    .value(":now", time(now))
    .value(":seen", n(user.meta.version))
}

/// A member provisioned under a placeholder id until the person joins: the
/// member item (found by address through `gsi1`) and the email index item.
pub fn provision_member(org: &OrgSlug, member: &Member, directory_id: &str) -> [Action; 2] {
    let mut item = to_item(org, member);
    item.insert("gsi1pk".into(), s(provisioned_gsi1pk(&member.email)));
    item.insert(DIRECTORY_ID.into(), s(directory_id));
    [
        Action::put_new(item),
        Action::put_new(email_item(org, member)),
    ]
}

/// The directory user a member is bound to (on the member item: one each).
pub const DIRECTORY_ID: &str = "directory_id";

/// An existing member is bound to a directory user, unless another one is.
pub fn bind_member(org: &OrgSlug, user: &UserId, directory_id: &str) -> Action {
    Action::update(member_key(org, user), "SET #dir = :dir")
        .when("attribute_exists(pk) AND attribute_not_exists(#dir)")
        .name("#dir", DIRECTORY_ID)
        .value(":dir", s(directory_id))
}

/// The placeholder member becomes the person who joined: the member item
/// moves to their id (everything else as it was), the email index item and
/// the directory user follow.
pub fn join(org: &OrgSlug, placeholder: &Member, user: &DirUser, joined: &UserId) -> [Action; 4] {
    let moved = Member {
        user_id: joined.clone(),
        ..placeholder.clone()
    };
    [
        Action::delete(member_key(org, &placeholder.user_id))
            .when("attribute_exists(pk) AND #role = :role")
            .name("#role", "role")
            .value(":role", s(placeholder.role.as_str())),
        Action::put_new({
            let mut item = to_item(org, &moved);
            item.insert(DIRECTORY_ID.into(), s(user.id.as_str()));
            item
        }),
        Action::put(email_item(org, &moved)),
        Action::update(user_key(org, &user.id), "SET #member = :member")
            .when("#member = :placeholder")
            .name("#member", "member")
            .value(":member", s(joined.as_str()))
            .value(":placeholder", s(placeholder.user_id.as_str())),
    ]
}

/// The member update and the org's counters that give `member` `role` and
/// (or not) a seat, on condition that it is still as read; `None` when it
/// already is so.
pub fn member_effect(
    org: &OrgSlug,
    member: &Member,
    role: Role,
    seat: bool,
    now: DateTime<Utc>,
) -> Option<(Action, Action)> {
    let role_moves = member.role != role;
    let seat_moves = member.has_seat() != seat;
    if !role_moves && !seat_moves {
        return None;
    }
    let mut sets = vec!["#role = :role"];
    let mut removes = Vec::new();
    if seat_moves && seat {
        sets.push("seat_assigned_at = :at, seat_epoch = :epoch");
    } else if seat_moves {
        removes.push("seat_assigned_at, seat_last_used_at");
    }
    let mut expression = format!("SET {}", sets.join(", "));
    if !removes.is_empty() {
        expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
    }
    let held = if member.has_seat() {
        "attribute_exists(seat_assigned_at)"
    } else {
        "attribute_exists(pk) AND attribute_not_exists(seat_assigned_at)"
    };
    let mut update = Action::update(member_key(org, &member.user_id), expression)
        .when("#role = :seen")
        .when(held)
        .name("#role", "role")
        .value(":role", s(role.as_str()))
        .value(":seen", s(member.role.as_str()));
    if seat_moves && seat {
        update = update
            .value(":at", time(now))
            .value(":epoch", n(member.seat_epoch + 1));
    }
    let was_admin = member.role == Role::Admin;
    let is_admin = role == Role::Admin;
    let change = Counters::take_seat()
        .when(seat_moves && seat)
        .and(Counters::free_seat().when(seat_moves && !seat))
        .and(Counters::add_admin().when(!was_admin && is_admin))
        .and(Counters::drop_admin().when(was_admin && !is_admin));
    Some((update, counters(org, change)))
}

/// An org's directory users, in id order.
pub fn users(org: &OrgSlug) -> Query<DirUser> {
    Query::org_items("dir-users", org, DIR_USER_PREFIX, user_from_item)
}

/// An org's directory groups, in id order.
pub fn groups(org: &OrgSlug) -> Query<DirGroup> {
    Query::org_items("dir-groups", org, DIR_GROUP_PREFIX, group_from_item)
}

/// The orgs that provisioned a person by address, before they joined.
pub fn provisioned(email: &Email) -> Query<OrgSlug> {
    Query::partition(
        format!("provisioned:{email}"),
        Some(GSI1),
        ("gsi1pk", provisioned_gsi1pk(email)),
        |item| parsed(item, "org", OrgSlug::parse),
    )
}
