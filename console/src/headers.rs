//! The security headers on every answer of the console, pages and assets alike.

use crate::settings::SignIn;
use http::HeaderValue;
use http::header::{HeaderMap, HeaderName};

/// Scripts, styles, fonts and images come from this origin only (no CDN, no
/// inline script or style); the page cannot be framed; the accept token in
/// the URL never leaves in a `Referer`.
pub fn content_security_policy(sign_in: &SignIn) -> String {
    let connect = format!("'self' {}", sign_in.token_origin);
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src {connect}; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

pub fn apply(headers: &mut HeaderMap, csp: &str) {
    let mut set = |name: &'static str, value: &str| {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_str(value).expect("header values are ASCII"),
        );
    };
    set("content-security-policy", csp);
    set("referrer-policy", "no-referrer");
    set("x-content-type-options", "nosniff");
    set("x-frame-options", "DENY");
    set("cross-origin-opener-policy", "same-origin");
    set("cross-origin-resource-policy", "same-origin");
    set(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    set("strict-transport-security", "max-age=31536000");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_in() -> SignIn {
        SignIn {
            client_id: "c".into(),
            authorize_url: "https://idp.example.com/authorize".into(),
            token_url: "https://idp.example.com/token".into(),
            scope: "openid email".into(),
            token_origin: "https://idp.example.com".into(),
        }
    }

    #[test]
    fn the_policy_allows_only_this_origin_and_forbids_framing() {
        let csp = content_security_policy(&sign_in());
        assert!(csp.starts_with("default-src 'self';"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("script-src 'self';"), "{csp}");
        assert!(!csp.contains("unsafe"), "{csp}");
    }

    #[test]
    fn with_oidc_the_browser_may_post_to_the_token_endpoint_only() {
        let csp = content_security_policy(&sign_in());
        assert!(
            csp.contains("connect-src 'self' https://idp.example.com;"),
            "{csp}"
        );
    }
}
