//! The application state every handler shares: config, SDK-backed store and
//! mailer, and the clock. Built once per cold start.

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::webhook::SigningKey;
use crate::mail::Mailer;
use crate::outbound::bus::EventBus;
use crate::outbound::webhook_client::{Resolve, SystemResolver};
use crate::store::Store;
use std::sync::Arc;

#[derive(Clone)]
pub struct App {
    pub config: Config,
    pub store: Store,
    pub mailer: Mailer,
    pub clock: Arc<dyn Clock>,
    /// Where events are published (none configured: the feed and webhooks only).
    pub bus: EventBus,
    pub webhooks: WebhookSettings,
}

/// What webhook registration and delivery need beyond the store.
#[derive(Clone)]
pub struct WebhookSettings {
    /// `ROSTER_WEBHOOK_SIGNING_KEY`: every endpoint's secret derives from it.
    /// Without it, endpoints cannot be registered (503).
    pub signing_key: Option<SigningKey>,
    /// `ROSTER_WEBHOOK_ALLOW_ORIGINS`: origins (`http://127.0.0.1:8099`) exempt
    /// from the https and address rules; for local development only, never
    /// set by the template.
    pub exempt_origins: Vec<String>,
    pub resolver: Arc<dyn Resolve>,
}

/// An exempt origin is honoured only for a loopback address written as
/// one (`http://127.0.0.1:8099`): a name could be made to resolve anywhere.
fn loopback_origin(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let host = raw.strip_prefix("http://")?.rsplit_once(':')?.0;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.parse::<std::net::IpAddr>()
        .ok()
        .filter(|ip| ip.is_loopback())
        .map(|_| raw.to_owned())
}

impl WebhookSettings {
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self {
            signing_key: var("ROSTER_WEBHOOK_SIGNING_KEY").and_then(|k| SigningKey::parse(&k).ok()),
            exempt_origins: var("ROSTER_WEBHOOK_ALLOW_ORIGINS")
                .map(|v| v.split(',').filter_map(loopback_origin).collect())
                .unwrap_or_default(),
            resolver: Arc::new(SystemResolver),
        }
    }
}

impl App {
    /// Reads the environment and builds the AWS clients (`AWS_ENDPOINT_URL`
    /// points them at a local emulator).
    pub async fn from_env() -> Result<Self, crate::config::ConfigError> {
        let config = Config::from_env()?;
        let sdk = sdk_config().await;
        Ok(Self::new(
            config.clone(),
            Store::new(aws_sdk_dynamodb::Client::new(&sdk), config.table.clone()),
            Mailer::lazy(&sdk, config.mail_from.clone())
                .with_configuration_set(std::env::var("ROSTER_SES_CONFIGURATION_SET").ok()),
            Arc::new(SystemClock),
        )
        .with_bus(EventBus::lazy(&sdk, std::env::var("ROSTER_EVENT_BUS").ok()))
        .with_webhooks(WebhookSettings::from_env()))
    }

    /// An app that publishes to no bus and has no webhook signing key (see
    /// [`App::with_bus`], [`App::with_webhooks`]).
    pub fn new(config: Config, store: Store, mailer: Mailer, clock: Arc<dyn Clock>) -> Self {
        Self {
            config,
            store,
            mailer,
            clock,
            bus: EventBus::none(),
            webhooks: WebhookSettings {
                signing_key: None,
                exempt_origins: Vec::new(),
                resolver: Arc::new(SystemResolver),
            },
        }
    }

    pub fn with_bus(mut self, bus: EventBus) -> Self {
        self.bus = bus;
        self
    }

    pub fn with_webhooks(mut self, webhooks: WebhookSettings) -> Self {
        self.webhooks = webhooks;
        self
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

/// The one `SdkConfig` both clients share, with the one HTTPS client (the SDK
/// crates are built without a default one), read from the environment Lambda
/// gives every function: `AWS_REGION`, the role's credentials
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) and,
/// locally, `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_SESV2` (the local stack
/// runs SES in an emulator of its own). Built by hand rather than by `aws-config`'s
/// loader, whose provider chains (profile files, SSO, STS web identity,
/// container, IMDS) Lambda never needs: they were most of the difference
/// between a function's cold start and package size and an empty one's
/// (docs/measurements.md). Public for the tests, whose clients must use it too.
pub async fn sdk_config() -> aws_types::SdkConfig {
    sdk_config_from(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

/// [`sdk_config`] from another environment than the process's (`env` answers
/// a variable's value).
pub fn sdk_config_from(env: impl Fn(&str) -> Option<String>) -> aws_types::SdkConfig {
    use aws_credential_types::Credentials;
    use aws_credential_types::provider::SharedCredentialsProvider;
    let region = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION"));
    let mut builder = aws_types::SdkConfig::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(region.map(aws_types::region::Region::new))
        .http_client(https_client())
        .sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
        .time_source(aws_smithy_async::time::SystemTimeSource::new());
    if let (Some(key), Some(secret)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        let credentials =
            Credentials::new(key, secret, env("AWS_SESSION_TOKEN"), None, "environment");
        builder = builder.credentials_provider(SharedCredentialsProvider::new(credentials));
    }
    let endpoints = EndpointsFromEnv {
        any: env(ENDPOINT_URL),
        per_service: SERVICES
            .iter()
            .filter_map(|id| Some((*id, env(&service_endpoint_var(id))?)))
            .collect(),
    };
    builder.service_config(endpoints).build()
}

const ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// The SDK's service ids of the clients Roster builds.
const SERVICES: [&str; 3] = ["DynamoDB", "SESv2", "EventBridge"];

fn service_endpoint_var(service_id: &str) -> String {
    format!(
        "{ENDPOINT_URL}_{}",
        service_id.to_ascii_uppercase().replace(' ', "_")
    )
}

/// The endpoint each client asks for, as the SDK's own loader answers it:
/// `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`, else the service's
/// AWS endpoint. Every other per-service setting keeps its default.
#[derive(Debug)]
struct EndpointsFromEnv {
    any: Option<String>,
    per_service: Vec<(&'static str, String)>,
}

impl aws_types::service_config::LoadServiceConfig for EndpointsFromEnv {
    fn load_config(&self, key: aws_types::service_config::ServiceConfigKey<'_>) -> Option<String> {
        if key.env() != ENDPOINT_URL {
            return None;
        }
        self.per_service
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(key.service_id()))
            .map(|(_, url)| url.clone())
            .or_else(|| self.any.clone())
    }
}

/// The roots every AWS endpoint's certificate chains to (Amazon Root CA 1-4 and
/// Starfield Services Root G2, from Amazon Trust Services). The SDK's default
/// client loads and parses the whole system CA store (~150 certificates) at cold
/// start instead.
const AWS_ROOTS_PEM: &[u8] = include_bytes!("certs/amazon-trust-services.pem");

fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
    let tls_context = TlsContext::builder()
        .with_trust_store(TrustStore::empty().with_pem_certificate(AWS_ROOTS_PEM))
        .build()
        .expect("the embedded AWS root certificates are valid PEM");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .tls_context(tls_context)
        .build_https()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_https_client_builds_with_the_embedded_aws_roots() {
        // Building parses every embedded root and panics on one that is not a certificate.
        let _client = super::https_client();
        let pem = std::str::from_utf8(super::AWS_ROOTS_PEM).unwrap();
        assert_eq!(pem.matches("-----BEGIN CERTIFICATE-----").count(), 5);
    }

    /// The endpoint a service's client asks its `SdkConfig` for, as the
    /// generated `Config::from(&SdkConfig)` asks it.
    fn endpoint(sdk: &aws_types::SdkConfig, service_id: &str) -> Option<String> {
        let key = aws_types::service_config::ServiceConfigKey::builder()
            .service_id(service_id)
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .unwrap();
        sdk.service_config()?.load_config(key)
    }

    #[tokio::test]
    async fn the_sdk_config_takes_region_credentials_and_endpoint_from_lambdas_environment() {
        use aws_credential_types::provider::ProvideCredentials;
        let env = [
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "session"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
            ("AWS_ENDPOINT_URL_SESV2", "http://127.0.0.1:4577"),
        ];
        let sdk = super::sdk_config_from(|name| {
            env.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        });
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert_eq!(
            endpoint(&sdk, "DynamoDB").as_deref(),
            Some("http://127.0.0.1:4566")
        );
        assert_eq!(
            endpoint(&sdk, "SESv2").as_deref(),
            Some("http://127.0.0.1:4577")
        );
        let credentials = sdk
            .credentials_provider()
            .expect("credentials from the environment")
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(credentials.access_key_id(), "AKID");
        assert_eq!(credentials.session_token(), Some("session"));
    }

    #[test]
    fn without_aws_region_the_default_region_is_taken_and_no_credentials_are_invented() {
        let sdk = super::sdk_config_from(|name| {
            (name == "AWS_DEFAULT_REGION").then(|| "us-east-2".into())
        });
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("us-east-2"));
        assert!(sdk.credentials_provider().is_none());
        assert_eq!(endpoint(&sdk, "DynamoDB"), None);
        assert_eq!(endpoint(&sdk, "SESv2"), None);
    }
}
