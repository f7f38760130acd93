//! The EventBridge bus: events go out as `source: roster`, `detail-type`:
//! the event type, `detail`: the event's JSON. The client is built on the
//! first publish, so functions that never publish never pay for it.

use crate::domain::events::Event;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use std::sync::{Arc, OnceLock};

/// The `source` of every event Roster puts on the bus.
pub const SOURCE: &str = "roster";

/// PutEvents takes at most this many entries.
pub const MAX_ENTRIES: usize = 10;

#[derive(Clone)]
pub struct EventBus {
    client: Arc<OnceLock<Client>>,
    sdk: Option<aws_types::SdkConfig>,
    /// `None`: no bus configured (the feed and webhooks still work).
    name: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("EventBridge did not take the events")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("EventBridge refused {0} of the events")]
    Refused(usize),
}

impl EventBus {
    pub fn new(client: Client, name: Option<String>) -> Self {
        Self {
            client: Arc::new(OnceLock::from(client)),
            sdk: None,
            name: name.filter(|n| !n.is_empty()),
        }
    }

    pub fn lazy(sdk: &aws_types::SdkConfig, name: Option<String>) -> Self {
        Self {
            client: Arc::new(OnceLock::new()),
            sdk: Some(sdk.clone()),
            name: name.filter(|n| !n.is_empty()),
        }
    }

    /// A bus that publishes nothing (no bus configured).
    pub fn none() -> Self {
        Self {
            client: Arc::new(OnceLock::new()),
            sdk: None,
            name: None,
        }
    }

    fn client(&self) -> Option<&Client> {
        if let Some(client) = self.client.get() {
            return Some(client);
        }
        let sdk = self.sdk.as_ref()?;
        Some(self.client.get_or_init(|| Client::new(sdk)))
    }

    /// Puts `events` on the bus, in order, ten per call; an error when any
    /// entry was not taken (the caller retries them all: consumers dedupe on
    /// the event id).
    pub async fn publish(&self, events: &[Event]) -> Result<(), BusError> {
        let (Some(name), Some(client)) = (self.name.as_deref(), self.client()) else {
            return Ok(());
        };
        for chunk in events.chunks(MAX_ENTRIES) {
            let entries = chunk.iter().map(|event| {
                PutEventsRequestEntry::builder()
                    .event_bus_name(name)
                    .source(SOURCE)
                    .detail_type(event.kind.as_str())
                    .detail(event.to_json().to_string())
                    .resources(format!("roster:org:{}", event.org))
                    .build()
            });
            let out = client
                .put_events()
                .set_entries(Some(entries.collect()))
                .send()
                .await
                .map_err(|e| BusError::Unavailable(Box::new(e)))?;
            let failed = out.failed_entry_count();
            if failed > 0 {
                return Err(BusError::Refused(failed as usize));
            }
        }
        Ok(())
    }
}
