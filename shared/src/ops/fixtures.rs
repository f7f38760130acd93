//! Values for the unit tests of the operations' decisions: an org, its
//! members and invitations at fixed times, with no store behind them.

use super::Membership;
use crate::domain::invitation::expires_at;
use crate::domain::{
    Email, EmailStatus, Invitation, Member, Org, OrgName, OrgSlug, Role, SeatLimit, UserId,
};
use crate::store::Found;
use chrono::{DateTime, Duration, Utc};

/// A fixed instant, `secs` after an arbitrary start.
pub fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::seconds(secs)
}

pub fn slug() -> OrgSlug {
    OrgSlug::parse("acme").unwrap()
}

pub fn email(local: &str) -> Email {
    Email::parse(&format!("{local}@example.com")).unwrap()
}

pub fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

/// An org with `seats_used` of `seat_limit` seats taken and `admins` admins.
pub fn org(seats_used: u32, seat_limit: i64, admins: u32) -> Org {
    Org {
        slug: slug(),
        name: OrgName::parse("Acme").unwrap(),
        seat_limit: SeatLimit::parse(seat_limit).unwrap(),
        seats_used,
        admin_count: admins,
        created_at: at(0),
        suppressed: 0,
        idle_seat_days: crate::domain::IdleSeatDays::DEFAULT,
        invitation_reminder_day: crate::domain::ReminderDay::DEFAULT,
        expired_digest: false,
    }
}

/// Member `id` (email `id@example.com`) with `role`, seated or not.
pub fn member(id: &str, role: Role, seated: bool) -> Member {
    Member {
        user_id: user(id),
        email: email(id),
        role,
        seat_assigned_at: seated.then(|| at(0)),
        seat_epoch: u64::from(seated),
        joined_at: at(0),
        seat_last_used_at: None,
    }
}

/// `caller` acting in `org`, having read nothing else.
pub fn membership(org: Org, caller: Member) -> Membership {
    Membership {
        org,
        caller,
        key: None,
        found: Found::default(),
    }
}

/// A pending invitation of `to`, mailed at `mailed`.
pub fn invitation(to: &str, mailed: DateTime<Utc>) -> Invitation {
    Invitation {
        org: slug(),
        email: email(to),
        role: Role::Member,
        seat: false,
        invited_by: email("admin"),
        invited_by_id: Some(user("admin")),
        created_at: mailed,
        expires_at: expires_at(mailed),
        generation: 7,
        token_hash: None,
        reminder_hash: None,
        remind_at: None,
        email_status: EmailStatus::Sent,
    }
}

/// An admin (seated) of a three-seat org with one seat taken.
pub fn admin_membership() -> Membership {
    membership(org(1, 3, 1), member("admin", Role::Admin, true))
}
