//! How the console signs people in, read once from the environment.
//!
//! Deployed: OpenID Connect authorization code with PKCE against the issuer the
//! API's JWT authorizer trusts (`ROSTER_OIDC_CLIENT_ID`,
//! `ROSTER_OIDC_AUTHORIZE_URL`, `ROSTER_OIDC_TOKEN_URL`, optional
//! `ROSTER_OIDC_SCOPE`). Locally, when `ROSTER_DEV_JWT_SECRET` is set, a dev
//! sign-in form instead; the template never sets that variable.

use http::Uri;
use roster::config::ConfigError;

#[derive(Clone)]
pub enum SignIn {
    /// Local only: `POST /app/dev/token` mints HS256 JWTs signed with this secret.
    Dev {
        secret: String,
    },
    Oidc(Oidc),
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Oidc {
    pub client_id: String,
    pub authorize_url: String,
    pub token_url: String,
    pub scope: String,
    /// `scheme://host[:port]` of the token endpoint: the browser posts the code
    /// there, so the CSP's `connect-src` must name it.
    #[serde(skip)]
    pub token_origin: String,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Dev { .. } => f.write_str("SignIn::Dev { secret: <set> }"),
            Self::Oidc(oidc) => f.debug_tuple("SignIn::Oidc").field(oidc).finish(),
        }
    }
}

impl SignIn {
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |name: &'static str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        if let Some(secret) = var("ROSTER_DEV_JWT_SECRET") {
            return Ok(Self::Dev { secret });
        }
        let required = |name: &'static str| var(name).ok_or(ConfigError::Missing(name));
        let client_id = required("ROSTER_OIDC_CLIENT_ID")?;
        if !client_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        {
            return Err(ConfigError::Invalid {
                name: "ROSTER_OIDC_CLIENT_ID",
                reason: "only letters, digits and - _ . : are allowed".into(),
            });
        }
        let authorize_url = https_url(
            "ROSTER_OIDC_AUTHORIZE_URL",
            &required("ROSTER_OIDC_AUTHORIZE_URL")?,
        )?;
        let (token_url, token_origin) =
            https_url("ROSTER_OIDC_TOKEN_URL", &required("ROSTER_OIDC_TOKEN_URL")?)
                .map(|u| (u.to_string(), origin(&u)))?;
        Ok(Self::Oidc(Oidc {
            client_id,
            authorize_url: authorize_url.to_string(),
            token_url,
            scope: var("ROSTER_OIDC_SCOPE").unwrap_or_else(|| "openid email".into()),
            token_origin,
        }))
    }
}

/// An absolute `https://` URL without a fragment, spaces or quotes (it is
/// written into a CSP header and into JSON).
fn https_url(name: &'static str, raw: &str) -> Result<Uri, ConfigError> {
    let invalid = |reason: &str| ConfigError::Invalid {
        name,
        reason: reason.into(),
    };
    if raw.contains(['#', ' ', '"', '\'', ';', ',']) {
        return Err(invalid("must be a plain https URL"));
    }
    let uri: Uri = raw.parse().map_err(|_| invalid("not a URL"))?;
    if uri.scheme_str() != Some("https") || uri.authority().is_none() {
        return Err(invalid("must be an https URL"));
    }
    Ok(uri)
}

fn origin(uri: &Uri) -> String {
    format!(
        "https://{}",
        uri.authority().map(|a| a.as_str()).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_urls_are_accepted_for_the_identity_provider() {
        assert!(https_url("X", "https://auth.example.com/oauth2/token").is_ok());
        assert!(https_url("X", "http://auth.example.com/oauth2/token").is_err());
        assert!(https_url("X", "https://auth.example.com/a; script-src *").is_err());
        assert!(https_url("X", "/oauth2/token").is_err());
    }

    #[test]
    fn the_token_origin_is_scheme_and_host() {
        let uri = https_url("X", "https://auth.example.com:8443/oauth2/token").unwrap();
        assert_eq!(origin(&uri), "https://auth.example.com:8443");
    }

    #[test]
    fn debug_output_never_shows_the_dev_secret() {
        let shown = format!(
            "{:?}",
            SignIn::Dev {
                secret: "hunter2".into()
            }
        );
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
