//! The application state every handler shares: config, SDK-backed store and
//! mailer, and the clock. Built once per cold start.

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::mail::Mailer;
use crate::store::Store;
use std::sync::Arc;

#[derive(Clone)]
pub struct App {
    pub config: Config,
    pub store: Store,
    pub mailer: Mailer,
    pub clock: Arc<dyn Clock>,
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
        ))
    }

    pub fn new(config: Config, store: Store, mailer: Mailer, clock: Arc<dyn Clock>) -> Self {
        Self {
            config,
            store,
            mailer,
            clock,
        }
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

/// The one `SdkConfig` both clients share, with the one HTTPS client (the SDK
/// crates are built without a default one). On Lambda the role's credentials
/// are in the environment: read them directly instead of building the whole
/// provider chain (profile files, SSO, web identity, container, IMDS) at cold
/// start. Public for the tests, whose clients must use it too.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let loader =
        aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(https_client());
    let env_credentials = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
        .iter()
        .all(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
    let loader = if env_credentials {
        loader.credentials_provider(
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        )
    } else {
        loader
    };
    loader.load().await
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
}
