//! Publishing a batch of audit entries: each entry's events are written to
//! the org's feed (unless already published), a delivery is queued for every
//! endpoint that wants them, the new ones go on the bus, and each is marked
//! published. Everything is keyed by the event, so a batch run again after a
//! crash repeats nothing but what the crash left unmarked.

use crate::App;
use crate::domain::OrgSlug;
use crate::domain::audit::AuditEntry;
use crate::domain::events::{Event, from_audit};
use crate::domain::webhook::Endpoint;
use crate::ops::OpError;
use crate::store::{events, webhooks};
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

pub async fn publish(app: &App, entries: &[Entry]) -> Result<Published, OpError> {
    let mut report = Published::default();
    let mut endpoints: HashMap<OrgSlug, Vec<Endpoint>> = HashMap::new();
    let mut fresh = Vec::new();
    for e in entries {
        for event in from_audit(&e.org, &e.audit_id, &e.entry) {
            match app.store.write(events::record_unpublished(&event)).await {
                Ok(()) => {}
                Err(err) if err.is_condition_failed() => {
                    report.already_published += 1;
                    continue;
                }
                Err(err) => return Err(err.into()),
            }
            if !endpoints.contains_key(&event.org) {
                let found = app.store.all(&webhooks::endpoints(&event.org)).await?;
                endpoints.insert(event.org.clone(), found);
            }
            report.deliveries_queued +=
                queue_deliveries(app, &endpoints[&event.org], &event).await?;
            fresh.push(event);
        }
    }
    app.bus
        .publish(&fresh)
        .await
        .map_err(|err| OpError::Unavailable(Box::new(err)))?;
    let now = app.now();
    for event in &fresh {
        app.store.mark_published(event, now).await?;
    }
    report.events = fresh.len();
    Ok(report)
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
