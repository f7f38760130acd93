//! Settings read once from the environment at cold start.

use crate::domain::Email;

#[derive(Clone)]
pub struct Config {
    /// The single DynamoDB table.
    pub table: String,
    /// Verified SES sender.
    pub mail_from: Email,
    /// Base of the links in emails, without a trailing slash.
    pub web_url: String,
    /// Set only locally: enables HS256 dev JWTs when no authorizer context is present.
    pub dev_jwt_secret: Option<String>,
    /// Write units per second an import job may spend on its org's partition
    /// (`ROSTER_IMPORT_WRITE_UNITS_PER_SECOND`, default half a partition).
    pub import_write_units_per_second: u32,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("table", &self.table)
            .field("mail_from", &self.mail_from)
            .field("web_url", &self.web_url)
            .field(
                "dev_jwt_secret",
                &self.dev_jwt_secret.as_ref().map(|_| "<set>"),
            )
            .field(
                "import_write_units_per_second",
                &self.import_write_units_per_second,
            )
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |name: &'static str| std::env::var(name).map_err(|_| ConfigError::Missing(name));
        let mail_from =
            Email::parse(&var("ROSTER_MAIL_FROM")?).map_err(|e| ConfigError::Invalid {
                name: "ROSTER_MAIL_FROM",
                reason: e.to_string(),
            })?;
        let web_url = var("ROSTER_WEB_URL")?.trim_end_matches('/').to_owned();
        if !(web_url.starts_with("https://") || web_url.starts_with("http://")) {
            return Err(ConfigError::Invalid {
                name: "ROSTER_WEB_URL",
                reason: "must be an http(s) URL".into(),
            });
        }
        Ok(Self {
            table: var("ROSTER_TABLE")?,
            mail_from,
            web_url,
            dev_jwt_secret: std::env::var("ROSTER_DEV_JWT_SECRET")
                .ok()
                .filter(|s| !s.is_empty()),
            import_write_units_per_second: import_write_units()?,
        })
    }
}

fn import_write_units() -> Result<u32, ConfigError> {
    const NAME: &str = "ROSTER_IMPORT_WRITE_UNITS_PER_SECOND";
    match std::env::var(NAME) {
        Err(_) => Ok(crate::domain::import::DEFAULT_WRITE_UNITS_PER_SECOND),
        Ok(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=1_000_000).contains(n))
            .ok_or(ConfigError::Invalid {
                name: NAME,
                reason: "must be an integer from 1 to 1000000".into(),
            }),
    }
}
