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

/// The one `SdkConfig` both clients share. On Lambda the role's credentials
/// are in the environment: read them directly instead of building the whole
/// provider chain (profile files, SSO, web identity, container, IMDS) at cold start.
async fn sdk_config() -> aws_config::SdkConfig {
    let loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
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
