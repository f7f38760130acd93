//! The transaction rules that keep the org's invariants, written once: take a
//! seat, free a seat, add or drop an admin (`seats_used <= seat_limit`, at
//! least one admin), and "the caller still holds the role they were
//! authorized with". Each returns the action(s) an operation pushes into its
//! transaction under a name of its choosing.
//!
//! DynamoDB conditions have no arithmetic, so every counter moves by one and
//! its guard is stated against one: a seat is taken while `seats_used <
//! seat_limit`, an admin dropped while `admin_count > 1`. The one exception,
//! [`counters_by`] (a directory group moving many members at once), states
//! its guard against the seat limit as read.

use super::attrs::{n, s, time};
use super::members::member_key;
use super::orgs::org_key;
use super::tx::Action;
use crate::domain::{Member, OrgSlug, UserId};
use chrono::{DateTime, Utc};

/// How one transaction moves the org's counters: each by -1, 0 or +1.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    seats: i8,
    admins: i8,
}

impl Counters {
    pub const NONE: Self = Self {
        seats: 0,
        admins: 0,
    };

    pub fn take_seat() -> Self {
        Self {
            seats: 1,
            admins: 0,
        }
    }

    pub fn free_seat() -> Self {
        Self {
            seats: -1,
            admins: 0,
        }
    }

    pub fn add_admin() -> Self {
        Self {
            seats: 0,
            admins: 1,
        }
    }

    pub fn drop_admin() -> Self {
        Self {
            seats: 0,
            admins: -1,
        }
    }

    /// `self` when `yes`, else no change.
    pub fn when(self, yes: bool) -> Self {
        if yes { self } else { Self::NONE }
    }

    /// Both changes in one update of the org item (one transaction may
    /// address an item only once).
    pub fn and(self, other: Self) -> Self {
        debug_assert!((self.seats * other.seats) == 0 && (self.admins * other.admins) == 0);
        Self {
            seats: self.seats + other.seats,
            admins: self.admins + other.admins,
        }
    }
}

/// The org update for `change`, under the guards of each counter it moves;
/// with nothing to move, a check that the org still exists.
pub fn counters(org: &OrgSlug, change: Counters) -> Action {
    let mut sets = Vec::new();
    let mut action = Action::check(org_key(org)).when("attribute_exists(pk)");
    match change.seats {
        1 => {
            sets.push("seats_used = seats_used + :one");
            action = action.when("seats_used < seat_limit");
        }
        -1 => {
            sets.push("seats_used = seats_used - :one");
            action = action.when("seats_used >= :one");
        }
        _ => {}
    }
    match change.admins {
        1 => sets.push("admin_count = admin_count + :one"),
        -1 => {
            sets.push("admin_count = admin_count - :one");
            action = action.when("admin_count > :one");
        }
        _ => {}
    }
    if sets.is_empty() {
        return action;
    }
    action
        .value(":one", n(1))
        .into_update(format!("SET {}", sets.join(", ")))
}

/// A member takes a seat: their seat (with a new epoch, so tokens of any
/// earlier seat stay dead) and the org's counter, under the seat limit.
/// Returns (member update, org update).
pub fn take_seat(org: &OrgSlug, user: &UserId, at: DateTime<Utc>, epoch: u64) -> (Action, Action) {
    let member = Action::update(
        member_key(org, user),
        "SET seat_assigned_at = :at, seat_epoch = :epoch",
    )
    .when("attribute_exists(pk) AND attribute_not_exists(seat_assigned_at)")
    .value(":at", time(at))
    .value(":epoch", n(epoch));
    (member, counters(org, Counters::take_seat()))
}

/// [`take_seat`], with the seat mail recorded on the member
/// ([`super::members::SEAT_MAILED_AT`]), on condition that the last one went
/// out at or before `mailed_before` (the seat-mail cooldown holds whatever
/// the concurrency).
pub fn take_seat_and_mail(
    org: &OrgSlug,
    user: &UserId,
    at: DateTime<Utc>,
    epoch: u64,
    mailed_before: DateTime<Utc>,
) -> (Action, Action) {
    let member = Action::update(
        member_key(org, user),
        "SET seat_assigned_at = :at, seat_epoch = :epoch, #mailed = :mailed",
    )
    .when("attribute_exists(pk) AND attribute_not_exists(seat_assigned_at)")
    .when("attribute_not_exists(#mailed) OR #mailed <= :mailed_before")
    .name("#mailed", super::members::SEAT_MAILED_AT)
    .value(":at", time(at))
    .value(":epoch", n(epoch))
    .value(":mailed", n(at.timestamp_millis()))
    .value(":mailed_before", n(mailed_before.timestamp_millis()));
    (member, counters(org, Counters::take_seat()))
}

/// A member's seat is freed, and the org's counter with it. Returns
/// (member update, org update).
pub fn free_seat(org: &OrgSlug, user: &UserId) -> (Action, Action) {
    let member = Action::update(
        member_key(org, user),
        "REMOVE seat_assigned_at, seat_last_used_at",
    )
    .when("attribute_exists(seat_assigned_at)");
    (member, counters(org, Counters::free_seat()))
}

/// The caller still holds the role they were authorized with, so a
/// concurrent demotion or removal cannot race a privileged write. Push it
/// with [`super::Transaction::push_check`]: when the operation also writes
/// the caller's own member item, the condition joins that write.
pub fn caller_still_holds(org: &OrgSlug, caller: &Member) -> Action {
    Action::check(member_key(org, &caller.user_id))
        .when("#role = :authorized_role")
        .name("#role", "role")
        .value(":authorized_role", s(caller.role.as_str()))
}

/// The org's counters moved by several members at once (a group's push):
/// the seat limit and admin count as read, so the condition needs no
/// arithmetic: `seats_used` must leave room for `seats` more, and dropping
/// `admins` must leave one.
pub fn counters_by(org: &OrgSlug, read: &crate::domain::Org, seats: i64, admins: i64) -> Action {
    let mut action = Action::update(
        org_key(org),
        "SET seats_used = seats_used + :seats, admin_count = admin_count + :admins",
    )
    .when("attribute_exists(pk)")
    .value(":seats", n(seats))
    .value(":admins", n(admins));
    if seats > 0 {
        let room = i64::from(read.seat_limit.get()) - seats;
        action = action
            .when("seats_used <= :room AND seat_limit = :limit")
            .value(":room", n(room))
            .value(":limit", n(read.seat_limit.get()));
    }
    if admins < 0 {
        action = action
            .when("admin_count > :dropped")
            .value(":dropped", n(-admins));
    }
    action
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug() -> OrgSlug {
        OrgSlug::parse("acme").unwrap()
    }

    #[test]
    fn taking_a_seat_and_adding_an_admin_is_one_guarded_update() {
        let action = counters(&slug(), Counters::take_seat().and(Counters::add_admin()));
        assert_eq!(
            action.update_expression(),
            Some("SET seats_used = seats_used + :one, admin_count = admin_count + :one")
        );
        assert_eq!(
            action.condition().unwrap(),
            "(attribute_exists(pk)) AND (seats_used < seat_limit)"
        );
    }

    #[test]
    fn dropping_an_admin_keeps_one() {
        let action = counters(&slug(), Counters::drop_admin());
        assert_eq!(
            action.condition().unwrap(),
            "(attribute_exists(pk)) AND (admin_count > :one)"
        );
    }

    #[test]
    fn no_change_only_checks_the_org_exists() {
        let action = counters(&slug(), Counters::add_admin().when(false));
        assert_eq!(action.update_expression(), None);
        assert_eq!(action.condition().unwrap(), "(attribute_exists(pk))");
    }
}
