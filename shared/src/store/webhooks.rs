//! Webhook items: endpoints in the org's partition, and each endpoint's
//! deliveries in a partition of their own (30 days). A delivery's `wake`
//! flag is what the stream trigger of `deliver-webhooks` listens for: set
//! when the delivery is created, when a retry falls due (the sweep, through
//! the due index) and on a redelivery; the worker clears it when it claims
//! the delivery.

use super::attrs::{get_n, get_s, get_time, key, n, opt_s, opt_time, parsed, s, time, typed};
use super::keys::{
    DELIVERY_PREFIX, GSI2, WEBHOOK_DUE, WEBHOOK_PREFIX, deliveries_pk, delivery_sk, due_gsi2pk,
    org_pk, shard_of, timed_boundary, timed_sk, webhook_sk,
};
use super::page::{Bound, Query};
use super::{Action, Item, Store, StoreError};
use crate::domain::OrgSlug;
use crate::domain::events::{Event, EventType, RETENTION};
use crate::domain::webhook::{Delivery, DeliveryStatus, Endpoint};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};

/// How long a claimed delivery may go without an outcome before the sweep
/// wakes it again (a worker that died mid-attempt).
pub const CLAIM_LEASE: Duration = Duration::minutes(5);

pub fn endpoint_key(org: &OrgSlug, id: &str) -> Item {
    key(org_pk(org), webhook_sk(id))
}

fn endpoint_item(e: &Endpoint) -> Item {
    let mut item = typed(endpoint_key(&e.org, &e.id), "webhook");
    item.insert("id".into(), s(e.id.as_str()));
    item.insert("org".into(), s(e.org.as_str()));
    item.insert("url".into(), s(e.url.as_str()));
    item.insert("event_types".into(), types_value(&e.event_types));
    item.insert("description".into(), s(e.description.as_str()));
    item.insert("enabled".into(), AttributeValue::Bool(e.enabled));
    item.insert("created_at".into(), time(e.created_at));
    item.insert("created_by".into(), s(e.created_by.as_str()));
    item.insert("generation".into(), n(e.generation));
    item
}

fn types_value(types: &[EventType]) -> AttributeValue {
    AttributeValue::L(types.iter().map(|t| s(t.as_str())).collect())
}

pub fn endpoint_from_item(item: &Item) -> Result<Endpoint, StoreError> {
    let types = item
        .get("event_types")
        .and_then(|v| v.as_l().ok())
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_s().ok().map(String::as_str))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    Ok(Endpoint {
        id: get_s(item, "id")?.to_owned(),
        org: parsed(item, "org", OrgSlug::parse)?,
        url: get_s(item, "url")?.to_owned(),
        event_types: EventType::parse_list(types).map_err(StoreError::corrupt)?,
        description: opt_s(item, "description").unwrap_or_default().to_owned(),
        enabled: item
            .get("enabled")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(true),
        disabled_reason: opt_s(item, "disabled_reason").map(str::to_owned),
        created_at: get_time(item, "created_at")?,
        created_by: get_s(item, "created_by")?.to_owned(),
        generation: get_n(item, "generation")?,
        rotated_at: opt_time(item, "rotated_at")?,
        last_success_at: opt_time(item, "last_success_at")?,
        failing_since: opt_time(item, "failing_since")?,
    })
}

/// A new endpoint.
pub fn create_endpoint(e: &Endpoint) -> Action {
    Action::put_new(endpoint_item(e))
}

/// An org's endpoints (at most a handful).
pub fn endpoints(org: &OrgSlug) -> Query<Endpoint> {
    Query::org_items("webhooks", org, WEBHOOK_PREFIX, endpoint_from_item)
}

/// What an admin may change on an endpoint.
#[derive(Debug, Default)]
pub struct EndpointChange {
    pub enabled: Option<bool>,
    pub event_types: Option<Vec<EventType>>,
    pub description: Option<String>,
}

pub fn update_endpoint(
    org: &OrgSlug,
    id: &str,
    change: &EndpointChange,
    now: DateTime<Utc>,
) -> Action {
    let mut set = vec!["updated_at = :now"];
    let mut remove = vec![];
    let mut action = Action::update(endpoint_key(org, id), "").when("attribute_exists(pk)");
    if let Some(enabled) = change.enabled {
        set.push("enabled = :enabled");
        action = action.value(":enabled", AttributeValue::Bool(enabled));
        if enabled {
            remove.extend(["disabled_reason", "failing_since"]);
        }
    }
    if let Some(types) = &change.event_types {
        set.push("event_types = :types");
        action = action.value(":types", types_value(types));
    }
    if let Some(description) = &change.description {
        set.push("description = :description");
        action = action.value(":description", s(description.as_str()));
    }
    let mut expression = format!("SET {}", set.join(", "));
    if !remove.is_empty() {
        expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
    }
    action.into_update(expression).value(":now", time(now))
}

/// Moves an endpoint to the next secret generation.
pub fn rotate_endpoint(e: &Endpoint, now: DateTime<Utc>) -> Action {
    Action::update(
        endpoint_key(&e.org, &e.id),
        "SET generation = :next, rotated_at = :now",
    )
    .when("generation = :current")
    .value(":next", n(e.generation + 1))
    .value(":current", n(e.generation))
    .value(":now", time(now))
}

pub fn delete_endpoint(org: &OrgSlug, id: &str) -> Action {
    Action::delete(endpoint_key(org, id)).when("attribute_exists(pk)")
}

/// Records a delivery's outcome on its endpoint: the last success, or the
/// start of a run of failures (kept from the first failure on).
pub fn endpoint_outcome(e: &Endpoint, succeeded: bool, now: DateTime<Utc>) -> Action {
    let key = endpoint_key(&e.org, &e.id);
    if succeeded {
        Action::update(key, "SET last_success_at = :now REMOVE failing_since")
    } else {
        Action::update(
            key,
            "SET failing_since = if_not_exists(failing_since, :now)",
        )
    }
    .when("attribute_exists(pk)")
    .value(":now", time(now))
}

/// Disables an endpoint that has failed for days.
pub fn disable_failing(e: &Endpoint) -> Action {
    Action::update(
        endpoint_key(&e.org, &e.id),
        "SET enabled = :false, disabled_reason = :failing",
    )
    .when("enabled = :true")
    .value(":false", AttributeValue::Bool(false))
    .value(":true", AttributeValue::Bool(true))
    .value(":failing", s("failing"))
}

fn delivery_key(org: &OrgSlug, endpoint: &str, position: &str) -> Item {
    key(deliveries_pk(org, endpoint), delivery_sk(position))
}

/// A new delivery of `event` to `endpoint`, woken at once. Its key is the
/// event's, so the same event never makes two deliveries to one endpoint.
pub fn create_delivery(endpoint: &Endpoint, event: &Event, now: DateTime<Utc>) -> Action {
    let mut item = typed(
        delivery_key(&endpoint.org, &endpoint.id, &event.position),
        "delivery",
    );
    item.insert("org".into(), s(endpoint.org.as_str()));
    item.insert("endpoint".into(), s(endpoint.id.as_str()));
    item.insert("position".into(), s(event.position.as_str()));
    item.insert("event_id".into(), s(event.id.as_str()));
    item.insert("event_type".into(), s(event.kind.as_str()));
    item.insert("body".into(), s(event.to_json().to_string()));
    item.insert("status".into(), s(DeliveryStatus::Pending.as_str()));
    item.insert("attempts".into(), s("[]"));
    item.insert("tries".into(), n(0));
    item.insert("created_at".into(), time(now));
    item.insert("wake".into(), AttributeValue::Bool(true));
    // Should the stream's record never be claimed, the sweep wakes it again.
    let (due_pk, due_sk) = due_keys_of(
        &endpoint.org,
        &endpoint.id,
        &event.position,
        now + CLAIM_LEASE,
    );
    item.insert("gsi2pk".into(), s(due_pk));
    item.insert("gsi2sk".into(), s(due_sk));
    item.insert("ttl".into(), n((now + RETENTION).timestamp()));
    Action::put_new(item)
}

pub fn delivery_from_item(item: &Item) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        org: parsed(item, "org", OrgSlug::parse)?,
        endpoint: get_s(item, "endpoint")?.to_owned(),
        position: get_s(item, "position")?.to_owned(),
        event_id: get_s(item, "event_id")?.to_owned(),
        event_type: parsed(item, "event_type", EventType::parse)?,
        body: get_s(item, "body")?.to_owned(),
        status: parsed(item, "status", DeliveryStatus::parse)?,
        attempts: serde_json::from_str(get_s(item, "attempts")?)
            .map_err(|_| StoreError::Corrupt("delivery attempts".into()))?,
        tries: get_n(item, "tries")?,
        created_at: get_time(item, "created_at")?,
        next_attempt_at: opt_time(item, "next_attempt_at")?,
    })
}

/// An endpoint's deliveries, newest first.
pub fn deliveries(org: &OrgSlug, endpoint: &str) -> Query<Delivery> {
    let pk = deliveries_pk(org, endpoint);
    Query::partition(
        format!("deliveries:{pk}"),
        None,
        ("pk", pk),
        delivery_from_item,
    )
    .sk_prefix(DELIVERY_PREFIX)
    .newest_first()
}

fn due_keys(d: &Delivery, at: DateTime<Utc>) -> (String, String) {
    due_keys_of(&d.org, &d.endpoint, &d.position, at)
}

fn due_keys_of(
    org: &OrgSlug,
    endpoint: &str,
    position: &str,
    at: DateTime<Utc>,
) -> (String, String) {
    let rest = format!("{org}#{endpoint}#{position}");
    (
        due_gsi2pk(WEBHOOK_DUE, shard_of(position)),
        timed_sk(at.timestamp(), &rest),
    )
}

/// Claims a woken delivery for one attempt, as `claim`: clears `wake` (so
/// one wake-up makes one attempt), and leaves a lease on the due index, so a
/// worker that dies mid-attempt is retried by the sweep. Only the holder of
/// the latest claim may record the outcome ([`record_attempt`]).
pub fn claim_delivery(d: &Delivery, claim: &str, now: DateTime<Utc>) -> Action {
    let (due_pk, due_sk) = due_keys(d, now + CLAIM_LEASE);
    Action::update(
        delivery_key(&d.org, &d.endpoint, &d.position),
        "SET wake = :false, gsi2pk = :due_pk, gsi2sk = :due_sk, claim = :claim, claimed_until = :until",
    )
    .when("wake = :true AND #status = :pending")
    .name("#status", "status")
    .value(":false", AttributeValue::Bool(false))
    .value(":true", AttributeValue::Bool(true))
    .value(":pending", s(DeliveryStatus::Pending.as_str()))
    .value(":due_pk", s(due_pk))
    .value(":due_sk", s(due_sk))
    .value(":claim", s(claim))
    .value(":until", n((now + CLAIM_LEASE).timestamp()))
}

/// Writes an attempt's outcome: its status, the attempts kept, and the
/// next attempt's place on the due index (or none); only under the claim
/// it was made with (a later claim, after the lease ran out, wins).
pub fn record_attempt(d: &Delivery, claim: &str) -> Action {
    let attempts = serde_json::to_string(&d.attempts).unwrap_or_else(|_| "[]".into());
    let key = delivery_key(&d.org, &d.endpoint, &d.position);
    let base = "SET #status = :status, attempts = :attempts, tries = :tries";
    let action = match d.next_attempt_at {
        Some(at) => {
            let (due_pk, due_sk) = due_keys(d, at);
            Action::update(
                key,
                format!(
                    "{base}, next_attempt_at = :next, gsi2pk = :due_pk, gsi2sk = :due_sk \
                     REMOVE claim, claimed_until"
                ),
            )
            .value(":next", time(at))
            .value(":due_pk", s(due_pk))
            .value(":due_sk", s(due_sk))
        }
        None => Action::update(
            key,
            format!("{base} REMOVE next_attempt_at, gsi2pk, gsi2sk, claim, claimed_until"),
        ),
    };
    action
        .when("claim = :claim")
        .name("#status", "status")
        .value(":claim", s(claim))
        .value(":status", s(d.status.as_str()))
        .value(":attempts", s(attempts))
        .value(":tries", n(d.tries))
}

/// Queues a delivery again at once (a redelivery): pending, its schedule
/// started over, its attempts kept, a lease on the due index. Not while an
/// attempt is under way (a claim whose lease has not run out).
pub fn redeliver(org: &OrgSlug, endpoint: &str, position: &str, now: DateTime<Utc>) -> Action {
    let (due_pk, due_sk) = due_keys_of(org, endpoint, position, now + CLAIM_LEASE);
    Action::update(
        delivery_key(org, endpoint, position),
        "SET wake = :true, #status = :pending, tries = :zero, woken_at = :now, \
         gsi2pk = :due_pk, gsi2sk = :due_sk REMOVE next_attempt_at",
    )
    .when("attribute_exists(pk)")
    .when("attribute_not_exists(claim) OR claimed_until < :epoch")
    .name("#status", "status")
    .value(":true", AttributeValue::Bool(true))
    .value(":pending", s(DeliveryStatus::Pending.as_str()))
    .value(":zero", n(0))
    .value(":now", time(now))
    .value(":epoch", n(now.timestamp()))
    .value(":due_pk", s(due_pk))
    .value(":due_sk", s(due_sk))
}

/// Deliveries of one shard whose retry (or lease) is due.
/// A due delivery as the due index finds it: its key, and the rest of its
/// due-index sort key (for its next lease).
pub struct Due {
    pub key: Item,
    rest: String,
}

pub fn due(shard: u32, now: DateTime<Utc>) -> Query<Due> {
    Query::partition(
        format!("due-webhooks:{shard}"),
        Some(GSI2),
        ("gsi2pk", due_gsi2pk(WEBHOOK_DUE, shard)),
        |item| {
            let rest = get_s(item, "gsi2sk")?
                .split_once('#')
                .map(|(_, rest)| rest.to_owned())
                .ok_or_else(|| StoreError::Corrupt("delivery due key".into()))?;
            Ok(Due {
                key: key(get_s(item, "pk")?, get_s(item, "sk")?),
                rest,
            })
        },
    )
    .sort_key(
        "gsi2sk < :until",
        &[(":until", timed_boundary(now.timestamp()))],
    )
    .cursor_key("gsi2sk", Bound::Any)
}

/// Wakes a due delivery (the sweep): the stream sees `wake` set and the
/// worker attempts it; a new lease on the due index brings it back should
/// that record never be claimed.
pub fn wake(due: Due, now: DateTime<Utc>) -> Action {
    let lease = timed_sk((now + CLAIM_LEASE).timestamp(), &due.rest);
    Action::update(
        due.key,
        "SET wake = :true, woken_at = :now, gsi2sk = :lease",
    )
    .when("#status = :pending")
    .name("#status", "status")
    .value(":true", AttributeValue::Bool(true))
    .value(":pending", s(DeliveryStatus::Pending.as_str()))
    .value(":now", time(now))
    .value(":lease", s(lease))
}

impl Store {
    pub async fn endpoint(&self, org: &OrgSlug, id: &str) -> Result<Option<Endpoint>, StoreError> {
        self.get_as(endpoint_key(org, id), endpoint_from_item).await
    }

    pub async fn delivery(
        &self,
        org: &OrgSlug,
        endpoint: &str,
        position: &str,
    ) -> Result<Option<Delivery>, StoreError> {
        self.get_as(delivery_key(org, endpoint, position), delivery_from_item)
            .await
    }
}

/// Whether a stream record's key is a delivery item.
pub fn is_delivery_key(keys: &Item) -> bool {
    keys.get("sk")
        .and_then(|v| v.as_s().ok())
        .is_some_and(|sk| sk.starts_with(DELIVERY_PREFIX))
}
