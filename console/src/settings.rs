//! How the console signs people in, read once from the environment.
//!
//! OpenID Connect authorization code with PKCE against the issuer the API's
//! authorizer trusts (`ROSTER_OIDC_CLIENT_ID`, `ROSTER_OIDC_AUTHORIZE_URL`,
//! `ROSTER_OIDC_TOKEN_URL`; the scope is always [`SCOPE`]), the same way
//! deployed and locally (where the issuer is the local provider,
//! `scripts/oidc/`, on a loopback `http://` URL).

use http::Uri;
use roster::config::ConfigError;

/// What the console asks the issuer for: an ID token naming the person's
/// address, all the authorizer reads.
pub const SCOPE: &str = "openid email";

#[derive(Clone, Debug, serde::Serialize)]
pub struct SignIn {
    pub client_id: String,
    pub authorize_url: String,
    pub token_url: String,
    pub scope: String,
    /// `scheme://host[:port]` of the token endpoint: the browser posts the code
    /// there, so the CSP's `connect-src` must name it.
    #[serde(skip)]
    pub token_origin: String,
}

impl SignIn {
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |name: &'static str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
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
        Ok(Self {
            client_id,
            authorize_url: authorize_url.to_string(),
            token_url,
            scope: SCOPE.into(),
            token_origin,
        })
    }
}

/// An absolute `https://` URL without a fragment, spaces or quotes (it is
/// written into a CSP header and into JSON); `http://` only to a loopback
/// host (the local provider).
fn https_url(name: &'static str, raw: &str) -> Result<Uri, ConfigError> {
    let invalid = |reason: &str| ConfigError::Invalid {
        name,
        reason: reason.into(),
    };
    if raw.contains(['#', ' ', '"', '\'', ';', ',']) {
        return Err(invalid("must be a plain https URL"));
    }
    let uri: Uri = raw.parse().map_err(|_| invalid("not a URL"))?;
    let loopback = uri.host().is_some_and(|h| {
        h == "localhost"
            || h.parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    });
    match uri.scheme_str() {
        _ if uri.authority().is_none() => Err(invalid("must be an https URL")),
        Some("https") => Ok(uri),
        Some("http") if loopback => Ok(uri),
        _ => Err(invalid(
            "must be an https URL (http only to a loopback host)",
        )),
    }
}

fn origin(uri: &Uri) -> String {
    format!(
        "{}://{}",
        uri.scheme_str().unwrap_or("https"),
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
        assert!(https_url("X", "http://127.0.0.1:9400/token").is_ok());
        assert!(https_url("X", "http://localhost:9400/token").is_ok());
        assert!(https_url("X", "http://10.0.0.1/token").is_err());
        assert!(https_url("X", "https://auth.example.com/a; script-src *").is_err());
        assert!(https_url("X", "/oauth2/token").is_err());
    }

    #[test]
    fn the_token_origin_is_scheme_and_host() {
        let uri = https_url("X", "https://auth.example.com:8443/oauth2/token").unwrap();
        assert_eq!(origin(&uri), "https://auth.example.com:8443");
        let local = https_url("X", "http://127.0.0.1:9400/token").unwrap();
        assert_eq!(origin(&local), "http://127.0.0.1:9400");
    }
}
