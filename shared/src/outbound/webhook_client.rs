//! Calls webhook endpoints without letting them reach inside: the host is
//! resolved first, every address it resolves to must be public
//! ([`forbidden_reason`]), and the connection goes to exactly those
//! addresses (so a second DNS answer cannot swap in an internal one).
//! Redirects are never followed; a lookup has 3 seconds, a call 10.

use crate::domain::webhook::{Attempt, WebhookUrl, forbidden_reason};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use http_body_util::Full;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// The time one delivery attempt may take, connection included (the DNS
/// lookup before it has [`DNS_TIMEOUT`] more).
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The time a host's DNS lookup may take.
pub const DNS_TIMEOUT: Duration = Duration::from_secs(3);

/// Turns a host name into addresses: the system's DNS in production; tests
/// give their own answers (a name that resolves to a private address).
pub trait Resolve: Send + Sync {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, std::io::Result<Vec<IpAddr>>>;
}

pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, std::io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host, port)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

/// Why a URL may not be called.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("{host} does not resolve")]
    Unresolvable { host: String },
    /// (The address itself is not named: it could tell about a network's
    /// private names.)
    #[error("{host} resolves to {reason}")]
    Forbidden {
        host: String,
        ip: IpAddr,
        reason: &'static str,
    },
}

/// The addresses `url` may be called at: all public, or an error naming the
/// first that is not. An exempt origin (local development) skips the rules.
pub async fn public_addresses(
    resolver: &dyn Resolve,
    url: &WebhookUrl,
    exempt: &[String],
) -> Result<Vec<SocketAddr>, AddressError> {
    let host = url.host().to_owned();
    let ips = match url.literal_ip() {
        Some(ip) => vec![ip],
        None => tokio::time::timeout(DNS_TIMEOUT, resolver.resolve(url.host(), url.port()))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default(),
    };
    if ips.is_empty() {
        return Err(AddressError::Unresolvable { host });
    }
    if !url.is_exempt(exempt) {
        for ip in &ips {
            if let Some(reason) = forbidden_reason(*ip) {
                return Err(AddressError::Forbidden {
                    host,
                    ip: *ip,
                    reason,
                });
            }
        }
    }
    Ok(ips
        .into_iter()
        .map(|ip| SocketAddr::new(ip, url.port()))
        .collect())
}

/// Resolves to exactly the addresses already checked.
#[derive(Clone)]
struct Pinned(Arc<Vec<SocketAddr>>);

impl tower_service::Service<hyper_util::client::legacy::connect::dns::Name> for Pinned {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: hyper_util::client::legacy::connect::dns::Name) -> Self::Future {
        std::future::ready(Ok(self.0.as_ref().clone().into_iter()))
    }
}

fn tls_config() -> Option<rustls::ClientConfig> {
    static CONFIG: OnceLock<Option<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let roots = rustls_native_roots();
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .ok()
                .map(|b| b.with_root_certificates(roots).with_no_client_auth())
        })
        .clone()
}

/// The system's trusted roots (what an endpoint's certificate must chain to).
fn rustls_native_roots() -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for cert in found.certs {
        let _ = roots.add(cert);
    }
    roots
}

/// POSTs `body` to `url` at `addrs` with `headers`; the attempt as recorded:
/// the answer's status, or what went wrong in words fit for an admin.
pub async fn post(
    url: &WebhookUrl,
    addrs: Vec<SocketAddr>,
    headers: &[(&str, String)],
    body: String,
    at: DateTime<Utc>,
) -> Attempt {
    let started = Instant::now();
    let outcome = tokio::time::timeout(TIMEOUT, send(url, addrs, headers, body)).await;
    let (status_code, error) = match outcome {
        Ok(Ok(status)) => (Some(status), None),
        Ok(Err(error)) => (None, Some(error)),
        Err(_) => (
            None,
            Some(format!("no answer within {} s", TIMEOUT.as_secs())),
        ),
    };
    Attempt {
        at,
        status_code,
        error,
        duration_ms: started.elapsed().as_millis() as u64,
    }
}

async fn send(
    url: &WebhookUrl,
    addrs: Vec<SocketAddr>,
    headers: &[(&str, String)],
    body: String,
) -> Result<u16, String> {
    use hyper_util::client::legacy::Client;
    use hyper_util::client::legacy::connect::HttpConnector;
    let tls = tls_config().ok_or("no TLS configuration")?;
    let mut http = HttpConnector::new_with_resolver(Pinned(Arc::new(addrs)));
    http.enforce_http(false);
    http.set_connect_timeout(Some(TIMEOUT));
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    let client: Client<_, Full<Bytes>> =
        Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector);
    let mut request = http::Request::post(url.as_str())
        .header("content-type", "application/json")
        .header("user-agent", "Roster-Webhooks/1");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let request = request
        .body(Full::new(Bytes::from(body)))
        .map_err(|_| "the request could not be built".to_owned())?;
    let response = client.request(request).await.map_err(|e| describe(&e))?;
    Ok(response.status().as_u16())
}

/// A connection error in words, without internals (no addresses, no chains).
fn describe(err: &hyper_util::client::legacy::Error) -> String {
    let text = format!("{:?}", err).to_ascii_lowercase();
    if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
        "TLS handshake failed".into()
    } else if text.contains("refused") {
        "connection refused".into()
    } else if err.is_connect() {
        "could not connect".into()
    } else {
        "the connection failed before an answer".into()
    }
}
