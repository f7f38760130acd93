//! Event items: an org's feed, 30 days deep, in a partition of its own
//! (`EVENTS#<org>`) under `EVENT#<position>` (time order). An item is written once per event, and
//! marked once it is on the bus, so a retried batch neither repeats the feed
//! nor publishes an event twice.

use super::attrs::{get_s, get_time, key, n, opt_s, parsed, s, time, typed};
use super::keys::{event_sk, events_pk};
use super::page::{Bound, Query};
use super::{Action, Item, Store, StoreError};
use crate::domain::OrgSlug;
use crate::domain::events::{Event, EventType, RETENTION};
use chrono::{DateTime, Utc};

fn to_item(event: &Event) -> Item {
    let mut item = typed(
        key(events_pk(&event.org), event_sk(&event.position)),
        "event",
    );
    item.insert("id".into(), s(event.id.as_str()));
    item.insert("event_type".into(), s(event.kind.as_str()));
    item.insert("org".into(), s(event.org.as_str()));
    // To the microsecond, as the bus and webhooks carry it.
    let at = event
        .occurred_at
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    item.insert("occurred_at".into(), s(at));
    item.insert("position".into(), s(event.position.as_str()));
    if let Some(id) = &event.actor_id {
        item.insert("actor_id".into(), s(id.as_str()));
    }
    item.insert("actor".into(), s(event.actor.as_str()));
    item.insert("data".into(), s(event.data.to_string()));
    item.insert("ttl".into(), n((event.occurred_at + RETENTION).timestamp()));
    item
}

pub fn from_item(item: &Item) -> Result<Event, StoreError> {
    Ok(Event {
        id: get_s(item, "id")?.to_owned(),
        kind: parsed(item, "event_type", EventType::parse)?,
        org: parsed(item, "org", OrgSlug::parse)?,
        occurred_at: get_time(item, "occurred_at")?,
        actor_id: opt_s(item, "actor_id").map(str::to_owned),
        actor: get_s(item, "actor")?.to_owned(),
        data: serde_json::from_str(get_s(item, "data")?)
            .map_err(|_| StoreError::Corrupt("event data".into()))?,
        position: get_s(item, "position")?.to_owned(),
    })
}

/// Writes `event` unless it is already on the bus: succeeds for a new event
/// and for one written but never marked published (a batch cut short), and
/// fails its condition for one already published.
pub fn record_unpublished(event: &Event) -> Action {
    Action::put(to_item(event))
        .when("attribute_not_exists(pk) OR attribute_not_exists(published_at)")
}

impl Store {
    /// Marks `event` as published to the bus.
    pub async fn mark_published(
        &self,
        event: &Event,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let action = Action::update(
            key(events_pk(&event.org), event_sk(&event.position)),
            "SET published_at = :now",
        )
        .value(":now", time(now));
        self.write(action).await
    }
}

/// An org's feed, oldest first, optionally from `since` and until `until`.
pub fn feed(
    org: &OrgSlug,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Query<Event> {
    let low = event_sk(&since.map(bound_of).unwrap_or_default());
    // `~` sorts after every character a position holds.
    let high = event_sk(
        &until
            .map(|u| format!("{}~", bound_of(u)))
            .unwrap_or("~".into()),
    );
    let scope = format!("events:{org}:{low}:{high}");
    Query::partition(scope, None, ("pk", events_pk(org)), from_item)
        .sort_key(
            "sk BETWEEN :low AND :high",
            &[(":low", low.clone()), (":high", high)],
        )
        .cursor_key("sk", Bound::AtLeast(low))
}

/// A position's time part for a bound: positions start with the time in
/// microseconds since the epoch, zero-padded.
fn bound_of(at: DateTime<Utc>) -> String {
    crate::domain::events::position_time(at)
}
