//! Organization items: mapping, creation and settings. The writes that move
//! `seats_used` and `admin_count` are in [`super::rules`].

use super::attrs::{get_n, get_s, get_time, key, n, s, time};
use super::keys::{ORG_SK, org_pk};
use super::{Action, Item, StoreError};
use crate::domain::{IdleSeatDays, Org, OrgName, OrgSlug, ReminderDay, SeatLimit};

pub fn org_key(org: &OrgSlug) -> Item {
    key(org_pk(org), ORG_SK)
}

pub fn to_item(org: &Org) -> Item {
    let mut item = org_key(&org.slug);
    item.insert("type".into(), s("org"));
    item.insert("slug".into(), s(org.slug.as_str()));
    item.insert("name".into(), s(org.name.as_str()));
    item.insert("seat_limit".into(), n(org.seat_limit.get()));
    item.insert("seats_used".into(), n(org.seats_used));
    item.insert("admin_count".into(), n(org.admin_count));
    item.insert("created_at".into(), time(org.created_at));
    item.insert("idle_seat_days".into(), n(org.idle_seat_days.get()));
    item.insert(
        "invitation_reminder_day".into(),
        n(org.invitation_reminder_day.get()),
    );
    item
}

pub fn from_item(item: &Item) -> Result<Org, StoreError> {
    let corrupt = StoreError::corrupt;
    Ok(Org {
        slug: OrgSlug::parse(get_s(item, "slug")?).map_err(corrupt)?,
        name: OrgName::stored(get_s(item, "name")?).map_err(corrupt)?,
        seat_limit: SeatLimit::parse(get_n(item, "seat_limit")?).map_err(corrupt)?,
        seats_used: get_n(item, "seats_used")?,
        admin_count: get_n(item, "admin_count")?,
        created_at: get_time(item, "created_at")?,
        // Orgs created before suppressions existed have no count.
        suppressed: get_n(item, "suppressed").unwrap_or(0),
        // Orgs created before the setting existed have the default.
        idle_seat_days: match get_n::<i64>(item, "idle_seat_days") {
            Ok(days) => IdleSeatDays::parse(days).map_err(corrupt)?,
            Err(_) => IdleSeatDays::DEFAULT,
        },
        invitation_reminder_day: match get_n::<i64>(item, "invitation_reminder_day") {
            Ok(day) => ReminderDay::parse(day).map_err(corrupt)?,
            Err(_) => ReminderDay::DEFAULT,
        },
    })
}

/// A new org; fails if the slug is taken.
pub fn create(org: &Org) -> Action {
    Action::put_new(to_item(org))
}

/// What an update of an org sets (`None`: left as it is).
#[derive(Debug, Clone, Copy, Default)]
pub struct OrgUpdate<'a> {
    pub name: Option<&'a OrgName>,
    pub seat_limit: Option<SeatLimit>,
    pub idle_seat_days: Option<IdleSeatDays>,
    pub invitation_reminder_day: Option<ReminderDay>,
}

impl OrgUpdate<'_> {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.seat_limit.is_none()
            && self.idle_seat_days.is_none()
            && self.invitation_reminder_day.is_none()
    }
}

/// Renames the org, sets its seat limit (never below `seats_used`, checked in
/// the write's condition, whatever the concurrency), its idle-seat days
/// and/or its invitation reminder day.
pub fn update(slug: &OrgSlug, change: OrgUpdate<'_>) -> Action {
    let OrgUpdate {
        name,
        seat_limit,
        idle_seat_days,
        invitation_reminder_day,
    } = change;
    let sets: Vec<&str> = [
        name.map(|_| "#name = :name"),
        seat_limit.map(|_| "seat_limit = :limit"),
        idle_seat_days.map(|_| "idle_seat_days = :idle"),
        invitation_reminder_day.map(|_| "invitation_reminder_day = :remind"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut action = Action::update(org_key(slug), format!("SET {}", sets.join(", ")))
        .when("attribute_exists(pk)");
    if let Some(name) = name {
        action = action
            .name("#name", "name")
            .value(":name", s(name.as_str()));
    }
    if let Some(limit) = seat_limit {
        action = action
            .when("seats_used <= :limit")
            .value(":limit", n(limit.get()));
    }
    if let Some(days) = idle_seat_days {
        action = action.value(":idle", n(days.get()));
    }
    if let Some(day) = invitation_reminder_day {
        action = action.value(":remind", n(day.get()));
    }
    action
}
