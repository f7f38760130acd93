//! Events and webhooks in tests: a spy on the bus (what PutEvents carried,
//! and a fault to make it fail), feeding audit entries to the real
//! `publish-events` handler and deliveries to `deliver-webhooks` as stream
//! events, a resolver with chosen answers, and a local webhook receiver that
//! answers as scripted.

use crate::TestApp;
use crate::mail::stream_event;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_types::config_bag::ConfigBag;
use futures::future::BoxFuture;
use roster::app::WebhookSettings;
use roster::domain::webhook::SigningKey;
use roster::outbound::webhook_client::Resolve;
use roster::store::Item;
use roster::store::attrs::s;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The signing key of every test app.
pub const SIGNING_KEY: &str = "test-signing-key-0123456789-abcdefghijklmnop";

pub fn webhook_settings(exempt: &[String], resolver: MapResolver) -> WebhookSettings {
    WebhookSettings {
        signing_key: Some(SigningKey::parse(SIGNING_KEY).unwrap()),
        exempt_origins: exempt.to_vec(),
        resolver: Arc::new(resolver),
    }
}

/// Records the detail of every event PutEvents carried; fails the next
/// `fail_next` calls (EventBridge unreachable).
#[derive(Debug, Clone, Default)]
pub struct BusSpy {
    details: Arc<Mutex<Vec<serde_json::Value>>>,
    fail_next: Arc<AtomicUsize>,
}

impl BusSpy {
    /// The events put on the bus so far, in order.
    pub fn events(&self) -> Vec<serde_json::Value> {
        self.details.lock().unwrap().clone()
    }

    /// The events of `org` put on the bus so far.
    pub fn events_of(&self, org: &str) -> Vec<serde_json::Value> {
        self.events()
            .into_iter()
            .filter(|e| e["org"] == org)
            .collect()
    }

    pub fn fail_next(&self, calls: usize) {
        self.fail_next.store(calls, Ordering::SeqCst);
    }
}

impl Intercept for BusSpy {
    fn name(&self) -> &'static str {
        "BusSpy"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(put) = context
            .input()
            .downcast_ref::<aws_sdk_eventbridge::operation::put_events::PutEventsInput>()
        else {
            return Ok(());
        };
        let failing = self
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            return Err("EventBridge is unreachable (injected)".into());
        }
        let mut details = self.details.lock().unwrap();
        for entry in put.entries() {
            assert_eq!(entry.source(), Some("roster"));
            let detail: serde_json::Value =
                serde_json::from_str(entry.detail().unwrap_or("null")).unwrap();
            assert_eq!(entry.detail_type(), detail["type"].as_str());
            details.push(detail);
        }
        Ok(())
    }
}

/// Every item of `pk` whose sort key starts with `prefix`, in key order.
pub async fn items(app: &TestApp, pk: &str, prefix: &str) -> Vec<Item> {
    let out = app
        .app
        .store
        .client()
        .query()
        .table_name(app.app.store.table())
        .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
        .expression_attribute_values(":pk", s(pk))
        .expression_attribute_values(":prefix", s(prefix))
        .consistent_read(true)
        .send()
        .await
        .expect("querying");
    out.items.unwrap_or_default()
}

/// The org's audit entries, oldest first, as stream records would carry them.
pub async fn audit_items(app: &TestApp, org: &str) -> Vec<Item> {
    items(app, &format!("ORG#{org}"), "AUDIT#").await
}

/// Runs the real `publish-events` handler on `items` (audit entries, as the
/// stream delivers them); whether the batch reported a failure.
pub async fn publish(app: &TestApp, items: Vec<Item>) -> bool {
    let event = stream_event(items);
    let response = roster::events::publish_events::publish_records(&app.app, event.records).await;
    !response.batch_item_failures.is_empty()
}

/// Publishes every audit entry of `org` (already published ones are skipped).
pub async fn publish_org(app: &TestApp, org: &str) {
    let items = audit_items(app, org).await;
    assert!(!publish(app, items).await, "publishing failed");
}

/// The deliveries of an endpoint, as stored, newest first.
pub async fn deliveries(app: &TestApp, org: &str, endpoint: &str) -> Vec<Item> {
    let mut found = items(app, &format!("WEBHOOK#{org}#{endpoint}"), "DLV#").await;
    found.reverse();
    found
}

/// Runs the real `deliver-webhooks` handler on the endpoint's deliveries
/// whose `wake` is set (the stream trigger's filter); how many it saw.
pub async fn deliver_woken(app: &TestApp, org: &str, endpoint: &str) -> usize {
    let woken: Vec<Item> = deliveries(app, org, endpoint)
        .await
        .into_iter()
        .filter(|d| d.get("wake").and_then(|v| v.as_bool().ok()) == Some(&true))
        .collect();
    let count = woken.len();
    if count > 0 {
        let event = stream_event(woken);
        let response =
            roster::events::deliver_webhooks::deliver_records(&app.app, event.records).await;
        assert!(response.batch_item_failures.is_empty());
    }
    count
}

/// A resolver answering from a map (names it does not know do not resolve).
#[derive(Debug, Clone, Default)]
pub struct MapResolver(Arc<Mutex<HashMap<String, Vec<IpAddr>>>>);

impl MapResolver {
    pub fn set(&self, host: &str, ip: &str) {
        self.0
            .lock()
            .unwrap()
            .insert(host.to_owned(), vec![ip.parse().unwrap()]);
    }
}

impl Resolve for MapResolver {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        _port: u16,
    ) -> BoxFuture<'a, std::io::Result<Vec<IpAddr>>> {
        let found = self.0.lock().unwrap().get(host).cloned();
        Box::pin(async move { Ok(found.unwrap_or_default()) })
    }
}

/// One request a [`Receiver`] got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: String,
}

/// A local HTTP endpoint answering each request with the next status of its
/// script (the last one repeats), recording what it got.
#[derive(Clone)]
pub struct Receiver {
    pub origin: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub async fn start(script: &[u16]) -> Self {
        Self::start_with_gate(script, None).await
    }

    /// A receiver that holds each answer until `gate` has received a request
    /// (for at most 15 seconds).
    pub async fn start_gated(script: &[u16], gate: &Receiver) -> Self {
        Self::start_with_gate(script, Some(gate.clone())).await
    }

    async fn start_with_gate(script: &[u16], gate: Option<Receiver>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let received = Arc::new(Mutex::new(Vec::new()));
        let script = script.to_vec();
        let log = received.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let Some(request) = read_request(&mut socket).await else {
                    continue;
                };
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push(request);
                    log.len()
                };
                if let Some(gate) = &gate {
                    for _ in 0..750 {
                        if !gate.received().is_empty() {
                            break;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    }
                }
                let status = script[(n - 1).min(script.len() - 1)];
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        Self { origin, received }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buffer).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let head = &text[..end];
            let headers: HashMap<String, String> = head
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            let length: usize = headers
                .get("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            if buffer.len() >= end + 4 + length {
                let body = String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]).to_string();
                return Some(Received { headers, body });
            }
        }
    }
}
