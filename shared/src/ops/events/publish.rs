//! Publishing a batch of audit entries: each entry's events are written to
//! the org's feed (unless already published), a delivery is queued for every
//! endpoint that wants them, then the new ones go on the bus ten at a time,
//! each ten marked published before the next. Everything is keyed by the
//! event, so a batch run again after a crash repeats nothing but the (at
//! most ten) events the crash left on the bus unmarked.

use crate::App;
use crate::domain::OrgSlug;
use crate::domain::audit::AuditEntry;
use crate::domain::events::{Event, from_audit};
use crate::domain::webhook::Endpoint;
use crate::ops::OpError;
use crate::outbound::bus::MAX_ENTRIES;
use crate::store::{events, webhooks};
use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::{self, StreamExt};
use std::collections::HashMap;

/// One audit entry as the stream carries it: its org, its own id, the entry.
pub struct Entry {
    pub org: OrgSlug,
    pub audit_id: String,
    pub entry: AuditEntry,
}

#[derive(Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Published {
    /// Events written to the feed and put on the bus by this run.
    pub events: usize,
    /// Events already published by an earlier run (a retried batch).
    pub already_published: usize,
    pub deliveries_queued: usize,
}

/// Events written at once: a batch of bulk-invite entries is hundreds of
/// events, each a few writes, and one at a time they would outlast the
/// function's timeout.
const WRITES_AT_ONCE: usize = 16;

pub async fn publish(app: &App, entries: &[Entry]) -> Result<Published, OpError> {
    let mut report = Published::default();
    let all: Vec<Event> = entries
        .iter()
        .flat_map(|e| from_audit(&e.org, &e.audit_id, &e.entry))
        .collect();
    let mut endpoints: HashMap<OrgSlug, Vec<Endpoint>> = HashMap::new();
    for event in &all {
        if !endpoints.contains_key(&event.org) {
            let found = app.store.all(&webhooks::endpoints(&event.org)).await?;
            endpoints.insert(event.org.clone(), found);
        }
    }
    // The feed and the deliveries, many at a time; the bus comes after, in order.
    // (Boxed and collected first: a closure in the stream's type trips the
    // compiler's lifetime check of the function's future.)
    let writes: Vec<BoxFuture<'_, Result<Option<usize>, OpError>>> = all
        .iter()
        .map(|event| record(app, &endpoints[&event.org], event).boxed())
        .collect();
    let written: Vec<_> = stream::iter(writes)
        .buffered(WRITES_AT_ONCE)
        .collect()
        .await;
    let mut fresh = Vec::new();
    for (event, outcome) in all.into_iter().zip(written) {
        match outcome? {
            Some(deliveries) => {
                report.deliveries_queued += deliveries;
                fresh.push(event);
            }
            None => report.already_published += 1,
        }
    }
    // Each call's events are marked before the next call: a run cut short
    // puts again at most the one call's events it had not marked.
    for chunk in fresh.chunks(MAX_ENTRIES) {
        app.bus
            .publish(chunk)
            .await
            .map_err(|err| OpError::Unavailable(Box::new(err)))?;
        let now = app.now();
        let marks = chunk
            .iter()
            .map(|event| app.store.mark_published(event, now));
        futures::future::try_join_all(marks).await?;
    }
    report.events = fresh.len();
    Ok(report)
}

/// Writes `event` to the feed and queues its deliveries: `None` when it was
/// published already (a retried batch), else how many deliveries it queued.
async fn record(
    app: &App,
    endpoints: &[Endpoint],
    event: &Event,
) -> Result<Option<usize>, OpError> {
    match app.store.write(events::record_unpublished(event)).await {
        Ok(()) => Ok(Some(queue_deliveries(app, endpoints, event).await?)),
        Err(err) if err.is_condition_failed() => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// A delivery of `event` to each endpoint that wants it (none twice).
async fn queue_deliveries(
    app: &App,
    endpoints: &[Endpoint],
    event: &Event,
) -> Result<usize, OpError> {
    let mut queued = 0;
    for endpoint in endpoints.iter().filter(|e| e.wants(event.kind)) {
        match app
            .store
            .write(webhooks::create_delivery(endpoint, event, app.now()))
            .await
        {
            Ok(()) => queued += 1,
            Err(err) if err.is_condition_failed() => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(queued)
}
