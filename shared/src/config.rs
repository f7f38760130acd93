//! Settings read once from the environment at cold start.

use crate::domain::{Email, Limit, Limits};

#[derive(Clone)]
pub struct Config {
    /// The single DynamoDB table.
    pub table: String,
    /// Verified SES sender.
    pub mail_from: Email,
    /// Base of the links in emails, without a trailing slash.
    pub web_url: String,
    /// Write units per second an import job may spend on its org's partition
    /// (`ROSTER_IMPORT_WRITE_UNITS_PER_SECOND`, default half a partition).
    pub import_write_units_per_second: u32,
    /// Whether a token without `email_verified` counts as verified
    /// (`ROSTER_EMAILS_VERIFIED_BY_ISSUER=true`): for an issuer that only
    /// ever issues tokens for addresses it owns and omits the claim (Entra ID
    /// work accounts). An explicit `email_verified: false` still counts.
    pub emails_verified_by_issuer: bool,
    /// Abuse limits (`ROSTER_LIMIT_*`; each defaults when unset).
    pub limits: Limits,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("table", &self.table)
            .field("mail_from", &self.mail_from)
            .field("web_url", &self.web_url)
            .field(
                "import_write_units_per_second",
                &self.import_write_units_per_second,
            )
            .field("emails_verified_by_issuer", &self.emails_verified_by_issuer)
            .field("limits", &self.limits)
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
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the config from `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &'static str| lookup(name).ok_or(ConfigError::Missing(name));
        let mail_from =
            Email::parse(&var("ROSTER_MAIL_FROM")?).map_err(|e| ConfigError::Invalid {
                name: "ROSTER_MAIL_FROM",
                reason: e.to_string(),
            })?;
        let web_url = web_url(&var("ROSTER_WEB_URL")?).map_err(|reason| ConfigError::Invalid {
            name: "ROSTER_WEB_URL",
            reason: reason.into(),
        })?;
        let mut limits = Limits::default();
        for limit in Limit::ALL {
            if let Some(raw) = lookup(limit.env_var()) {
                let value = raw
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| ConfigError::Invalid {
                        name: limit.env_var(),
                        reason: "must be a whole number from 0 to 4294967295".into(),
                    })?;
                limits.set(limit, value);
            }
        }
        let emails_verified_by_issuer = match lookup("ROSTER_EMAILS_VERIFIED_BY_ISSUER").as_deref()
        {
            None | Some("" | "false") => false,
            Some("true") => true,
            Some(_) => {
                return Err(ConfigError::Invalid {
                    name: "ROSTER_EMAILS_VERIFIED_BY_ISSUER",
                    reason: "must be true or false".into(),
                });
            }
        };
        Ok(Self {
            table: var("ROSTER_TABLE")?,
            mail_from,
            web_url,
            limits,
            import_write_units_per_second: import_write_units()?,
            emails_verified_by_issuer,
        })
    }
}

/// The base of every link in mail: `https://`, or `http://` only on a
/// loopback host (local runs). No user info, query or fragment; no trailing
/// slash kept.
fn web_url(raw: &str) -> Result<String, &'static str> {
    let url = raw.trim().trim_end_matches('/');
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) || url.contains(['?', '#', '@']) {
        return Err("must be a plain https URL (no spaces, user info, query or fragment)");
    }
    if host_of(url, "https://").is_some_and(|h| !h.is_empty()) {
        return Ok(url.to_owned());
    }
    match host_of(url, "http://") {
        Some(host) if is_loopback(host) => Ok(url.to_owned()),
        Some(_) => Err("must be https:// (plain http is allowed only for a loopback host)"),
        None => Err("must be an https URL"),
    }
}

/// The host of `url` if it starts with `scheme`, without port or path.
fn host_of<'a>(url: &'a str, scheme: &str) -> Option<&'a str> {
    let rest = url
        .get(..scheme.len())?
        .eq_ignore_ascii_case(scheme)
        .then(|| &url[scheme.len()..])?;
    let authority = rest.split('/').next().unwrap_or_default();
    Some(match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    })
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut env: HashMap<String, String> = [
            ("ROSTER_TABLE", "roster"),
            ("ROSTER_MAIL_FROM", "noreply@roster.example"),
            ("ROSTER_WEB_URL", "https://roster.example"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        for (k, v) in vars {
            env.insert((*k).to_owned(), (*v).to_owned());
        }
        Config::from_lookup(|name| env.get(name).cloned())
    }

    fn refused(result: Result<Config, ConfigError>, var: &str) -> bool {
        matches!(result, Err(ConfigError::Invalid { name, .. }) if name == var)
    }

    #[test]
    fn emails_are_verified_by_the_claim_unless_the_deployment_says_the_issuer_verifies_them() {
        assert!(!config(&[]).unwrap().emails_verified_by_issuer);
        let by_issuer = config(&[("ROSTER_EMAILS_VERIFIED_BY_ISSUER", "true")]).unwrap();
        assert!(by_issuer.emails_verified_by_issuer);
        assert!(refused(
            config(&[("ROSTER_EMAILS_VERIFIED_BY_ISSUER", "yes")]),
            "ROSTER_EMAILS_VERIFIED_BY_ISSUER"
        ));
    }

    #[test]
    fn limits_default_and_are_read_from_the_environment() {
        assert_eq!(config(&[]).unwrap().limits, Limits::default());
        let set = config(&[
            ("ROSTER_LIMIT_ORGS_PER_USER_PER_DAY", "7"),
            ("ROSTER_LIMIT_RESEND_COOLDOWN_SECONDS", "60"),
        ])
        .unwrap()
        .limits;
        assert_eq!(set.orgs_per_user_per_day, 7);
        assert_eq!(set.resend_cooldown_secs, 60);
        assert_eq!(
            set.invitations_per_org_per_day,
            Limits::default().invitations_per_org_per_day
        );
        assert!(refused(
            config(&[("ROSTER_LIMIT_TOKENS_PER_MEMBER_PER_DAY", "-1")]),
            "ROSTER_LIMIT_TOKENS_PER_MEMBER_PER_DAY"
        ));
    }

    #[test]
    fn web_url_must_be_https_except_on_loopback() {
        for good in [
            "https://roster.example",
            "https://roster.example/app/",
            "HTTPS://roster.example:8443",
            "http://127.0.0.1:9000",
            "http://localhost:3000",
            "http://[::1]:8080",
        ] {
            assert!(config(&[("ROSTER_WEB_URL", good)]).is_ok(), "{good}");
        }
        assert_eq!(
            config(&[("ROSTER_WEB_URL", "https://roster.example/app/")])
                .unwrap()
                .web_url,
            "https://roster.example/app"
        );
        for bad in [
            "http://roster.example",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example",
            "https://",
            "ftp://roster.example",
            "roster.example",
            "https://user@roster.example",
            "https://roster.example/?x=1",
            "https://roster.example/#x",
            "https://roster .example",
        ] {
            assert!(
                refused(config(&[("ROSTER_WEB_URL", bad)]), "ROSTER_WEB_URL"),
                "{bad}"
            );
        }
    }
}
