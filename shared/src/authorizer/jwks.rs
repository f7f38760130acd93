//! The issuer's signing keys, fetched through its discovery document on
//! first use, again when a token names a `kid` not seen yet (the issuer
//! rotated its keys) at most once a second, so that made-up `kid`s cannot turn
//! every request into a fetch, and again once the keys are an hour old, so
//! that a key the issuer withdrew stops verifying (a failed refresh keeps the
//! keys it has). An https issuer's keys come over https only.

use super::jwt::{Jwk, KeySet};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

const REFETCH_AFTER: Duration = Duration::from_secs(1);
const KEYS_KEPT_FOR: Duration = Duration::from_secs(3600);
/// Both fetches (discovery, then keys) together, well inside the
/// authorizer's own 10 s timeout.
const FETCH_TIMEOUT: Duration = Duration::from_secs(4);
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

pub struct Jwks {
    issuer: String,
    client: Client<Https, Empty<bytes::Bytes>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    keys: KeySet,
    fetched_at: Option<Instant>,
}

impl Jwks {
    pub fn new(issuer: String) -> Self {
        // The system's roots: an issuer can be anyone's (Cognito, Entra, Okta).
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .expect("the system's root certificates can be loaded")
            .https_or_http()
            .enable_http1()
            .build();
        Self {
            issuer,
            client: Client::builder(TokioExecutor::new()).build(https),
            state: Mutex::new(State::default()),
        }
    }

    /// The key `kid`, fetching the issuer's keys when it is not known yet or
    /// the keys are an hour old.
    pub async fn key(&self, kid: &str) -> Result<Option<Jwk>, String> {
        let mut state = self.state.lock().await;
        let age = state.fetched_at.map(|at| at.elapsed());
        let stale = age.is_none_or(|age| age >= KEYS_KEPT_FOR);
        if let Some(key) = state.keys.get(kid)
            && !stale
        {
            return Ok(Some(key.clone()));
        }
        if age.is_some_and(|age| age < REFETCH_AFTER) {
            return Ok(None);
        }
        state.fetched_at = Some(Instant::now());
        let known = state.keys.get(kid).is_some();
        match tokio::time::timeout(FETCH_TIMEOUT, self.fetch()).await {
            Ok(Ok(keys)) => state.keys = keys,
            // Keys that merely aged keep working while the issuer is unreachable.
            Ok(Err(err)) if !known => return Err(err),
            Err(_) if !known => return Err("fetching the issuer's keys timed out".into()),
            _ => tracing::warn!("cannot refresh the issuer's keys; keeping those it has"),
        }
        Ok(state.keys.get(kid).cloned())
    }

    async fn fetch(&self) -> Result<KeySet, String> {
        let discovery = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let document = self.get_json(&discovery).await?;
        let jwks_uri = document
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or("the issuer's discovery document has no jwks_uri")?;
        if self.issuer.starts_with("https://") && !jwks_uri.starts_with("https://") {
            return Err(format!("the issuer's jwks_uri is not https: {jwks_uri}"));
        }
        Ok(KeySet::from_jwks(&self.get_json(jwks_uri).await?))
    }

    async fn get_json(&self, url: &str) -> Result<Value, String> {
        let uri: http::Uri = url.parse().map_err(|_| format!("not a URL: {url}"))?;
        let response = self
            .client
            .get(uri)
            .await
            .map_err(|err| format!("cannot fetch {url}: {err}"))?;
        if !response.status().is_success() {
            return Err(format!("{url} answered {}", response.status()));
        }
        let body = http_body_util::Limited::new(response.into_body(), MAX_DOCUMENT_BYTES)
            .collect()
            .await
            .map_err(|err| format!("cannot read {url}: {err}"))?
            .to_bytes();
        serde_json::from_slice(&body).map_err(|_| format!("{url} is not JSON"))
    }
}
