//! One tracing span per HTTP request, so every log line says what it belongs
//! to: the operation (its function, from the route table), the org, the
//! target (the other path parameters) and the caller (recorded once the
//! identity is known). Bodies, headers and query strings are never recorded;
//! an id that could carry an email address or a secret is logged as a short
//! hash, which still correlates lines without revealing it. Invitation and
//! suppression ids are the address itself, base64url-encoded (anyone can
//! decode them), so they are always hashed.

use super::route_table;
use crate::App;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::sync::Arc;
use tracing::field::Empty;
use tracing::{Instrument, Span};

/// Runs `handler` in the request's span and logs one line with the status.
pub async fn traced<F, Fut>(handler: F, app: Arc<App>, req: Request) -> Response<Body>
where
    F: FnOnce(Arc<App>, Request) -> Fut,
    Fut: Future<Output = Response<Body>>,
{
    let span = request_span(&req);
    async move {
        let response = handler(app, req).await;
        tracing::info!(status = response.status().as_u16(), "request handled");
        response
    }
    .instrument(span)
    .await
}

/// The span of a request: `op` and `route` from the route table (`unknown`
/// for a request no route serves), `org` and `target` from the path, and for
/// SigV4 routes the calling IAM principal as `caller`.
pub fn request_span(req: &Request) -> Span {
    let context = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => Some(ctx),
        _ => None,
    };
    let route_key = context.and_then(|c| c.route_key.as_deref());
    let route = route_table::resolve(req.method().as_str(), route_key, req.uri().path());
    let span = tracing::info_span!(
        "request",
        op = route.map_or("unknown", |r| r.function),
        route = route.map(|r| r.key()).as_deref().unwrap_or("unknown"),
        org = Empty,
        target = Empty,
        caller = Empty,
    );
    let mut params: Vec<(String, String)> = match req.path_parameters_ref() {
        Some(p) if !p.is_empty() => p
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        _ => route
            .and_then(|r| r.match_path(req.uri().path()))
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    };
    // In path order, so a target of several parameters reads like the path.
    if let Some(route) = route {
        let order: Vec<&str> = route.param_names().collect();
        params.sort_by_key(|(k, _)| order.iter().position(|n| n == k));
    }
    let targets: Vec<String> = params
        .iter()
        .filter(|(k, _)| k != "org")
        .map(|(k, v)| match route {
            Some(route) if names_an_address(route, k) => hashed(v),
            _ => loggable(v),
        })
        .collect();
    if let Some((_, org)) = params.iter().find(|(k, _)| k == "org") {
        span.record("org", loggable(org));
    }
    if !targets.is_empty() {
        span.record("target", targets.join("/"));
    }
    let iam = context
        .and_then(|c| c.authorizer.as_ref())
        .and_then(|a| a.iam.as_ref())
        .and_then(|iam| iam.user_arn.as_deref().or(iam.caller_id.as_deref()));
    if let Some(principal) = iam {
        span.record("caller", loggable(principal));
    }
    span
}

/// Records the authenticated caller on the current request span.
pub fn record_caller(user_id: &crate::domain::UserId) {
    Span::current().record("caller", loggable(user_id.as_str()));
}

/// Whether the path parameter `name` of `route` is an address in disguise:
/// the id that follows `invitations/` or `suppressions/` (base64url of the
/// invitee's or suppressed recipient's email).
fn names_an_address(route: &route_table::Route, name: &str) -> bool {
    let placeholder = format!("{{{name}}}");
    let mut previous = "";
    for segment in route.path.split('/') {
        if segment == placeholder {
            return matches!(previous, "invitations" | "suppressions");
        }
        previous = segment;
    }
    false
}

/// What to log for an id taken from a request: itself, percent-decoded,
/// unless it may hold an email address (`dev|alice@example.com` is a valid
/// user id, and base64url of an address decodes to one), a secret or a
/// JWT, or is long; then its [`hashed`] form.
pub fn loggable(raw: &str) -> String {
    let value = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let risky = value.contains('@')
        || value.starts_with(crate::domain::AccessTokenSecret::PREFIX)
        || value.starts_with("eyJ")
        || value.len() > 128
        || value.chars().any(char::is_control)
        || decodes_to_an_address(&value);
    if risky {
        hashed(raw)
    } else {
        value.into_owned()
    }
}

/// `~` and 12 hex digits of the SHA-256 of the percent-decoded value: the
/// same value always logs the same, encoded or not.
pub fn hashed(raw: &str) -> String {
    let value = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let digest = Sha256::digest(value.as_bytes());
    format!("~{}", &hex::encode(digest)[..12])
}

/// Base64 (URL-safe or standard, padded or not) of text with an `@` in it.
/// Text only: a random or hex id that happens to decode to bytes holding
/// 0x40 is not valid UTF-8 free of control characters, and stays readable.
fn decodes_to_an_address(value: &str) -> bool {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let trimmed = value.trim_end_matches('=');
    [URL_SAFE_NO_PAD, STANDARD_NO_PAD]
        .iter()
        .filter_map(|engine| engine.decode(trimmed).ok())
        .filter_map(|bytes| String::from_utf8(bytes).ok())
        .any(|text| text.contains('@') && !text.chars().any(char::is_control))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The span fields of a line logged inside `request_span(req)`, in the
    /// functions' JSON format.
    fn logged_span(req: &Request) -> serde_json::Value {
        let text = crate::runtime::tests::logged("info", || {
            request_span(req).in_scope(|| tracing::info!("inside"));
        });
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["span"].clone()
    }

    fn sample(name: &str) -> Request {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../events/").to_owned() + name;
        let text = std::fs::read_to_string(&path).unwrap();
        lambda_http::request::from_str(&text).unwrap()
    }

    #[test]
    fn every_sample_event_gets_its_functions_operation_name() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../events");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
            // HTTP samples; the authorizer's (a REQUEST) names a route too.
            if !text.contains("\"routeKey\"") || text.contains("\"type\": \"REQUEST\"") {
                continue;
            }
            let span = logged_span(&sample(&name));
            let op = span["op"].as_str().unwrap();
            let stem = name.trim_end_matches(".json");
            assert!(
                stem == op || stem.starts_with(&format!("{op}-")),
                "{name}: {span}"
            );
            checked += 1;
        }
        assert!(checked >= route_table::ROUTES.len(), "{checked} samples");
    }

    #[test]
    fn an_api_gateway_event_names_org_target_and_iam_caller_without_emails() {
        let span = logged_span(&sample("get-member.json"));
        assert_eq!(span["op"], "get-member");
        assert_eq!(span["route"], "GET /orgs/{org}/members/{user_id}");
        assert_eq!(span["org"], "acme");
        // `bob@example.com`: hashed, as the same id decoded or not.
        assert_eq!(span["target"], loggable("bob@example.com"));
        assert!(
            span.get("caller").is_none(),
            "set when the identity is read"
        );
        let span = logged_span(&sample("introspect-token.json"));
        assert_eq!(span["op"], "introspect-token");
        assert_eq!(
            span["caller"],
            "arn:aws:sts::123456789012:assumed-role/channel-server/channel-server"
        );
        assert!(
            !span.to_string().contains("AKIA"),
            "no access key id: {span}"
        );
    }

    #[test]
    fn a_request_no_route_serves_is_logged_as_unknown() {
        let req = http::Request::builder()
            .method("GET")
            .uri("https://x.test/nowhere")
            .body(Body::Empty)
            .unwrap();
        let span = logged_span(&req);
        assert_eq!(span["op"], "unknown");
        assert_eq!(span["route"], "unknown");
    }

    /// A request routed by path alone (no API Gateway context).
    fn bare(method: &str, path: &str) -> Request {
        http::Request::builder()
            .method(method)
            .uri(format!("https://x.test{path}"))
            .body(Body::Empty)
            .unwrap()
    }

    #[test]
    fn an_invitation_or_suppression_id_in_the_path_does_not_reveal_the_address() {
        use base64::Engine;
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("carol@example.org");
        let cases = [
            (sample("revoke-invitation.json"), "Ym9iQGV4YW1wbGUuY29t"),
            (sample("resend-invitation.json"), "Ym9iQGV4YW1wbGUuY29t"),
            (
                bare("DELETE", &format!("/orgs/acme/invitations/{id}")),
                id.as_str(),
            ),
            (
                bare("POST", &format!("/orgs/acme/invitations/{id}/resend")),
                &id,
            ),
            (
                bare("DELETE", &format!("/orgs/acme/suppressions/{id}")),
                &id,
            ),
            // Not an address at all: hashed all the same, by where it stands.
            (
                bare("DELETE", "/orgs/acme/suppressions/not-base64"),
                "not-base64",
            ),
        ];
        for (req, raw) in cases {
            let span = logged_span(&req);
            assert_eq!(span["org"], "acme", "{span}");
            assert_eq!(span["target"], hashed(raw), "{span}");
            let text = span.to_string();
            assert!(!text.contains(raw) && !text.contains('@'), "{text}");
        }
    }

    #[test]
    fn import_and_token_ids_stay_readable() {
        let span = logged_span(&sample("get-import.json"));
        assert_eq!(span["target"], "0190f5c3b9e77a419b8e3c1f6a2d4e57");
        let span = logged_span(&sample("revoke-token.json"));
        assert_eq!(span["target"], "0193a4e2-6c2a-7d3e-9f10-2b3c4d5e6f70");
    }

    #[test]
    fn an_address_in_base64_is_hashed_wherever_it_appears() {
        use base64::Engine;
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        // `?` encodes to `/` and `_` in the two alphabets.
        let email = "dave??@example.com";
        for raw in [
            URL_SAFE_NO_PAD.encode(email),
            STANDARD.encode(email),
            URL_SAFE_NO_PAD.encode(format!("dev|{email}")),
        ] {
            let logged = loggable(&raw);
            assert!(logged.starts_with('~'), "{raw} -> {logged}");
        }
    }

    #[test]
    fn plain_ids_are_logged_as_they_are_and_decoded() {
        assert_eq!(loggable("acme"), "acme");
        let role = "arn:aws:sts::123456789012:assumed-role/channel-server/channel-server";
        assert_eq!(loggable(role), role);
        assert_eq!(loggable("user-bob-1"), "user-bob-1");
        assert_eq!(loggable("auth0%7C123"), "auth0|123");
    }

    #[test]
    fn ids_that_may_hold_an_email_or_a_secret_are_hashed() {
        for raw in [
            "dev|alice@example.com",
            "dev%7Calice%40example.com",
            "rst_3q2-7wX_9bKf0hJtN4yLmPzQe8sVdR1uCaGiO5kE6nA",
            "eyJhbGciOiJIUzI1NiJ9.e30.x",
            &"a".repeat(129),
        ] {
            let logged = loggable(raw);
            assert!(
                logged.starts_with('~') && logged.len() == 13,
                "{raw} -> {logged}"
            );
        }
        // Stable, so the lines of one caller still group together.
        assert_eq!(
            loggable("dev|alice@example.com"),
            loggable("dev%7Calice%40example.com")
        );
        assert_ne!(
            loggable("dev|alice@example.com"),
            loggable("dev|bob@example.com")
        );
    }
}
