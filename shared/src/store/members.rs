//! Member items and the per-org email index item that makes an email a
//! member at most once: mapping, joining, role changes, leaving, the org's
//! member listing and one person's memberships. Seats move through
//! [`super::rules`].

use super::attrs::{get_n, get_time, key, n, opt_time, parsed, s, time, typed};
use super::keys::{GSI1, MEMBER_PREFIX, member_email_sk, member_sk, org_pk, user_gsi1pk};
use super::page::Query;
use super::{Action, Item, Store, StoreError};
use crate::domain::{Email, Member, OrgSlug, Role, UserId};
use chrono::{DateTime, Utc};

pub fn member_key(org: &OrgSlug, user: &UserId) -> Item {
    key(org_pk(org), member_sk(user))
}

pub fn member_email_key(org: &OrgSlug, email: &Email) -> Item {
    key(org_pk(org), member_email_sk(email))
}

pub fn to_item(org: &OrgSlug, member: &Member) -> Item {
    let mut item = typed(member_key(org, &member.user_id), "member");
    item.insert("org".into(), s(org.as_str()));
    item.insert("user_id".into(), s(member.user_id.as_str()));
    item.insert("email".into(), s(member.email.as_str()));
    item.insert("role".into(), s(member.role.as_str()));
    item.insert("seat_epoch".into(), n(member.seat_epoch));
    item.insert("joined_at".into(), time(member.joined_at));
    if let Some(at) = member.seat_assigned_at {
        item.insert("seat_assigned_at".into(), time(at));
    }
    if let Some(at) = member.seat_last_used_at {
        item.insert(SEAT_LAST_USED_AT.into(), time(at));
    }
    item.insert("gsi1pk".into(), s(user_gsi1pk(&member.user_id)));
    item.insert("gsi1sk".into(), s(org_pk(org)));
    item
}

pub fn email_item(org: &OrgSlug, member: &Member) -> Item {
    let mut item = typed(member_email_key(org, &member.email), "member_email");
    item.insert("user_id".into(), s(member.user_id.as_str()));
    item
}

/// The current seat's last use (see [`Member::seat_last_used_at`]); removed
/// with the seat.
pub const SEAT_LAST_USED_AT: &str = "seat_last_used_at";

pub fn from_item(item: &Item) -> Result<Member, StoreError> {
    Ok(Member {
        user_id: parsed(item, "user_id", UserId::parse)?,
        email: parsed(item, "email", Email::from_stored)?,
        role: parsed(item, "role", Role::parse)?,
        seat_assigned_at: opt_time(item, "seat_assigned_at")?,
        seat_epoch: get_n(item, "seat_epoch")?,
        joined_at: get_time(item, "joined_at")?,
        seat_last_used_at: opt_time(item, SEAT_LAST_USED_AT)?,
    })
}

/// A new member and their email index item; both must be new. A member who
/// joins with a seat (accepting a seated invitation) is mailed for it then.
pub fn create(org: &OrgSlug, member: &Member) -> [Action; 2] {
    let mut item = to_item(org, member);
    if let Some(at) = member.seat_assigned_at {
        item.insert(SEAT_MAILED_AT.into(), n(at.timestamp_millis()));
    }
    [
        Action::put_new(item),
        Action::put_new(email_item(org, member)),
    ]
}

/// When the member was last mailed about a seat (epoch milliseconds). Kept
/// out of [`Member`]: only assigning a seat reads it (the seat-mail cooldown).
pub const SEAT_MAILED_AT: &str = "seat_mailed_at";

/// A member item's [`SEAT_MAILED_AT`], if it was ever mailed about a seat.
pub fn seat_mailed_at(item: &Item) -> Result<Option<DateTime<Utc>>, StoreError> {
    match item.get(SEAT_MAILED_AT) {
        None => Ok(None),
        Some(_) => {
            let millis: i64 = get_n(item, SEAT_MAILED_AT)?;
            DateTime::from_timestamp_millis(millis)
                .map(Some)
                .ok_or_else(|| StoreError::Corrupt("seat_mailed_at out of range".into()))
        }
    }
}

/// Changes a member's role, if it is still the one that was read.
pub fn set_role(org: &OrgSlug, user: &UserId, seen: Role, role: Role) -> Action {
    Action::update(member_key(org, user), "SET #role = :role")
        .when("#role = :seen")
        .name("#role", "role")
        .value(":role", s(role.as_str()))
        .value(":seen", s(seen.as_str()))
}

/// Removes a member and their email index item, if the member is still as
/// read (role and seat): the org's counters move on what was read.
pub fn remove(org: &OrgSlug, member: &Member) -> [Action; 2] {
    let seat = if member.has_seat() {
        "attribute_exists(seat_assigned_at)"
    } else {
        "attribute_exists(pk) AND attribute_not_exists(seat_assigned_at)"
    };
    [
        Action::delete(member_key(org, &member.user_id))
            .when("#role = :role")
            .when(seat)
            .name("#role", "role")
            .value(":role", s(member.role.as_str())),
        Action::delete(member_email_key(org, &member.email)),
    ]
}

/// The member still holds one of `roles` (an inviter at accept).
pub fn holds_role(org: &OrgSlug, user: &UserId, roles: &[Role]) -> Action {
    role_among(member_key(org, user), roles)
}

/// The item `key` exists with a `role` among `roles`.
pub(super) fn role_among(key: Item, roles: &[Role]) -> Action {
    let placeholders: Vec<String> = (0..roles.len()).map(|i| format!(":role{i}")).collect();
    let action = Action::check(key)
        .when(format!("#role IN ({})", placeholders.join(", ")))
        .name("#role", "role");
    roles
        .iter()
        .zip(&placeholders)
        .fold(action, |action, (role, p)| {
            action.value(p, s(role.as_str()))
        })
}

/// The member still holds the seat of `epoch` (what a token is bound to).
pub fn holds_seat(org: &OrgSlug, user: &UserId, epoch: u64) -> Action {
    Action::check(member_key(org, user))
        .when("attribute_exists(seat_assigned_at) AND seat_epoch = :epoch")
        .value(":epoch", n(epoch))
}

/// Everyone's memberships of one person, through `gsi1`, with their orgs.
pub fn of_user(user: &UserId) -> Query<(OrgSlug, Member)> {
    Query::partition(
        format!("my-orgs:{user}"),
        Some(GSI1),
        ("gsi1pk", user_gsi1pk(user)),
        |item| Ok((org_of(item)?, from_item(item)?)),
    )
}

/// Which members a listing keeps.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemberFilter {
    pub role: Option<Role>,
    pub seat: Option<bool>,
    /// Only seats nobody used for this many days before `now`: last used
    /// before then, or never used and assigned before then.
    pub idle: Option<(u16, DateTime<Utc>)>,
}

/// An org's admins (whom Roster mails about the org itself).
pub fn admins(org: &OrgSlug) -> Query<Member> {
    let filter = MemberFilter {
        role: Some(Role::Admin),
        ..MemberFilter::default()
    };
    listing(org, filter)
}

/// The members of an org, optionally only one role, with(out) a seat, or
/// holding an idle seat.
pub fn listing(org: &OrgSlug, filter: MemberFilter) -> Query<Member> {
    let MemberFilter { role, seat, idle } = filter;
    let scope = format!(
        "members:{org}:{}:{}:{}",
        role.map(Role::as_str).unwrap_or("*"),
        seat.map(|b| b.to_string()).unwrap_or("*".into()),
        idle.map(|(days, _)| days.to_string()).unwrap_or("*".into())
    );
    let mut query =
        Query::partition(scope, None, ("pk", org_pk(org)), from_item).sk_prefix(MEMBER_PREFIX);
    if let Some(role) = role {
        query = query
            .filter("#role = :role")
            .name("#role", "role")
            .value(":role", s(role.as_str()));
    }
    if let Some((days, now)) = idle {
        let cutoff = now - chrono::Duration::days(days.into());
        query = query
            .filter(
                "attribute_exists(seat_assigned_at) AND (seat_last_used_at < :idle_cutoff OR \
                 (attribute_not_exists(seat_last_used_at) AND seat_assigned_at < :idle_cutoff))",
            )
            .value(":idle_cutoff", time(cutoff));
    }
    match seat {
        Some(true) => query.filter("attribute_exists(seat_assigned_at)"),
        Some(false) => query.filter("attribute_not_exists(seat_assigned_at)"),
        None => query,
    }
}

fn org_of(item: &Item) -> Result<OrgSlug, StoreError> {
    parsed(item, "org", OrgSlug::parse)
}

impl Store {
    /// The user id of the member of `org` with `email`, from the email index
    /// item (an invitation stored before its inviter's id was kept names
    /// the inviter by email only).
    pub async fn member_id_by_email(
        &self,
        org: &OrgSlug,
        email: &Email,
    ) -> Result<Option<UserId>, StoreError> {
        self.get_as(member_email_key(org, email), |item| {
            parsed(item, "user_id", UserId::parse)
        })
        .await
    }

    /// One member, read on its own (introspection).
    pub async fn member(&self, org: &OrgSlug, user: &UserId) -> Result<Option<Member>, StoreError> {
        self.get_as(member_key(org, user), from_item).await
    }
}
