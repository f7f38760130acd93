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
    /// Set only locally: enables HS256 dev JWTs when no authorizer context is present.
    pub dev_jwt_secret: Option<String>,
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
                "dev_jwt_secret",
                &self.dev_jwt_secret.as_ref().map(|_| "<set>"),
            )
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
        let dev_jwt_secret = lookup("ROSTER_DEV_JWT_SECRET").filter(|s| !s.is_empty());
        if dev_jwt_secret.is_some() && deployed(&lookup) {
            return Err(ConfigError::Invalid {
                name: "ROSTER_DEV_JWT_SECRET",
                reason: "set on a deployed function (AWS_LAMBDA_FUNCTION_NAME or \
                         AWS_EXECUTION_ENV without a loopback AWS_ENDPOINT_URL): \
                         the dev JWT path only runs against a local emulator"
                    .into(),
            });
        }
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
        Ok(Self {
            table: var("ROSTER_TABLE")?,
            mail_from,
            web_url,
            dev_jwt_secret,
            limits,
        })
    }
}

/// Whether this process runs on Lambda rather than beside a local emulator.
/// Lambda (and `cargo lambda watch`) set `AWS_LAMBDA_FUNCTION_NAME`; locally
/// every SDK client is pointed at the emulator on a loopback
/// `AWS_ENDPOINT_URL`, which a deployed function could not reach anyway.
fn deployed(lookup: &impl Fn(&str) -> Option<String>) -> bool {
    let on_lambda = lookup("AWS_LAMBDA_FUNCTION_NAME").is_some()
        || lookup("AWS_EXECUTION_ENV").is_some_and(|v| v.starts_with("AWS_Lambda"));
    let local_endpoint = lookup("AWS_ENDPOINT_URL")
        .and_then(|url| host_of(&url, "http://").map(is_loopback))
        .unwrap_or(false);
    on_lambda && !local_endpoint
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
    fn the_dev_jwt_secret_runs_locally() {
        // Tests and plain processes: no Lambda environment at all.
        let plain = config(&[("ROSTER_DEV_JWT_SECRET", "s")]).unwrap();
        assert_eq!(plain.dev_jwt_secret.as_deref(), Some("s"));
        // `cargo lambda watch` sets the function name; the SDK points at the emulator.
        let watch = config(&[
            ("ROSTER_DEV_JWT_SECRET", "s"),
            ("AWS_LAMBDA_FUNCTION_NAME", "create-org"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
        ])
        .unwrap();
        assert!(watch.dev_jwt_secret.is_some());
    }

    #[test]
    fn a_deployed_function_with_the_dev_jwt_secret_refuses_to_start() {
        for env in [
            vec![("AWS_LAMBDA_FUNCTION_NAME", "roster-CreateOrg-abc")],
            vec![("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023")],
            vec![
                ("AWS_LAMBDA_FUNCTION_NAME", "roster-CreateOrg-abc"),
                (
                    "AWS_ENDPOINT_URL",
                    "https://dynamodb.eu-west-1.amazonaws.com",
                ),
            ],
            vec![
                ("AWS_LAMBDA_FUNCTION_NAME", "roster-CreateOrg-abc"),
                ("AWS_ENDPOINT_URL", "http://10.0.0.5:4566"),
            ],
        ] {
            let mut vars = env.clone();
            vars.push(("ROSTER_DEV_JWT_SECRET", "leaked"));
            assert!(refused(config(&vars), "ROSTER_DEV_JWT_SECRET"), "{env:?}");
            // Without the secret the same function starts.
            assert!(config(&env).unwrap().dev_jwt_secret.is_none(), "{env:?}");
        }
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
