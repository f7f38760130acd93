//! The issuer's signing keys, fetched through its discovery document on
//! first use and again when a token names a `kid` not seen yet (the issuer
//! rotated its keys), at most once a second so that made-up `kid`s cannot
//! turn every request into a fetch.

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
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
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

    /// The key `kid`, fetching the issuer's keys when it is not known yet.
    pub async fn key(&self, kid: &str) -> Result<Option<Jwk>, String> {
        let mut state = self.state.lock().await;
        if let Some(key) = state.keys.get(kid) {
            return Ok(Some(key.clone()));
        }
        if state
            .fetched_at
            .is_some_and(|at| at.elapsed() < REFETCH_AFTER)
        {
            return Ok(None);
        }
        state.fetched_at = Some(Instant::now());
        state.keys = self.fetch().await?;
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
        Ok(KeySet::from_jwks(&self.get_json(jwks_uri).await?))
    }

    async fn get_json(&self, url: &str) -> Result<Value, String> {
        let uri: http::Uri = url.parse().map_err(|_| format!("not a URL: {url}"))?;
        let fetch = async {
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
        };
        tokio::time::timeout(FETCH_TIMEOUT, fetch)
            .await
            .map_err(|_| format!("fetching {url} timed out"))?
    }
}
