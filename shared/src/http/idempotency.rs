//! `Idempotency-Key` on every POST (as Stripe and the IETF
//! httpapi-idempotency-key-header draft define it), once, around any handler.
//!
//! A POST with the header is keyed by caller + route (method and path) + key.
//! The first request claims the key, acts, and its answer is kept 24 hours: a
//! retry with the same key and the same request (content type, query, body)
//! gets that answer again (`Idempotent-Replayed: true`) without acting; the
//! same key with another request is `422 idempotency_key_reused`; while the
//! first is still acting, a concurrent one gets `409
//! idempotency_request_in_progress` with `Retry-After`. A 5xx answer is not
//! kept (the claim is released), so a retry acts. Requests without a caller
//! identity (401s, IAM-signed introspection) are not keyed.
//!
//! **A secret is never kept.** An answer that shows a secret once (a new
//! access token) is marked by its handler with [`SecretShownOnce`]; what is
//! kept for it, and replayed, is `409 idempotency_secret_not_kept` naming
//! the token's id, so the client can list or revoke it. The record (and the
//! table's stream and backups with it) never holds the secret.

use super::ApiError;
use crate::App;
use crate::store::idempotency::{self as records, Claim, Record};
use lambda_http::{Body, Request, Response};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::sync::Arc;

pub const HEADER: &str = "idempotency-key";
/// Answers are replayed for this long.
const KEEP_SECONDS: i64 = 24 * 60 * 60;
/// A claim whose request never finished (the function crashed or timed out)
/// can be taken over after this long: longer than any function's timeout.
const LOCK_SECONDS: i64 = 15 * 60;
pub const MAX_KEY_LEN: usize = 255;
/// DynamoDB items hold 400 KB; a larger answer is replayed as a 409 saying so.
const MAX_KEPT_BODY: usize = 350 * 1024;

/// Marks an answer that shows a secret once: the idempotency record keeps,
/// in its place, a problem naming `id` (the resource the secret belongs to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretShownOnce {
    pub id: String,
}

impl SecretShownOnce {
    /// Marks `resp` as showing the secret of `id`.
    pub fn mark(mut resp: Response<Body>, id: impl Into<String>) -> Response<Body> {
        resp.extensions_mut().insert(Self { id: id.into() });
        resp
    }
}

/// Runs `handler` under the request's idempotency key, if it is a POST that has one.
pub async fn guard<F, Fut>(app: Arc<App>, req: Request, handler: F) -> Response<Body>
where
    F: FnOnce(Arc<App>, Request) -> Fut,
    Fut: Future<Output = Response<Body>>,
{
    if req.method() != http::Method::POST {
        return handler(app, req).await;
    }
    let Some(raw) = req.headers().get(HEADER) else {
        return handler(app, req).await;
    };
    let key = match parse_key(raw) {
        Ok(key) => key,
        Err(err) => return err.into_response(),
    };
    let Ok(caller) = super::identity::caller(&req, app.config.emails_verified_by_issuer) else {
        return handler(app, req).await;
    };
    let scope = hash(&[
        caller.user_id.as_str().as_bytes(),
        req.method().as_str().as_bytes(),
        req.uri().path().as_bytes(),
        key.as_bytes(),
    ]);
    let fingerprint = fingerprint(&req);
    let claim = records::claim(
        &app.store,
        &scope,
        &fingerprint,
        app.now(),
        LOCK_SECONDS,
        KEEP_SECONDS,
    )
    .await;
    match claim {
        Err(err) => ApiError::from(crate::ops::OpError::from(err)).into_response(),
        Ok(Claim::Existing(record)) => answer_again(record, &fingerprint),
        Ok(Claim::Claimed) => {
            let resp = handler(app.clone(), req).await;
            keep(&app, &scope, resp).await
        }
    }
}

/// Records the answer (or releases the claim after a 5xx) and passes it on.
async fn keep(app: &App, scope: &str, resp: Response<Body>) -> Response<Body> {
    let status = resp.status();
    let outcome = if status.is_server_error() {
        records::release(&app.store, scope).await
    } else if let Some(shown) = resp.extensions().get::<SecretShownOnce>() {
        let kept = ApiError::IdempotencySecretNotKept {
            token_id: shown.id.clone(),
        }
        .response();
        let body = match kept.body() {
            Body::Text(t) => t.as_str(),
            _ => "",
        };
        records::complete(
            &app.store,
            scope,
            kept.status().as_u16(),
            "application/problem+json",
            body,
        )
        .await
    } else {
        let content_type = resp
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let body = match resp.body() {
            Body::Text(t) => t.as_str(),
            Body::Binary(b) => std::str::from_utf8(b).unwrap_or(""),
            _ => "",
        };
        let body = if body.len() > MAX_KEPT_BODY { "" } else { body };
        records::complete(&app.store, scope, status.as_u16(), content_type, body).await
    };
    if let Err(err) = outcome {
        // The answer stands; a retry waits for the claim to lapse, then acts.
        tracing::warn!(error = %crate::error_chain::ErrorChain(&err), "idempotency record not updated");
    }
    resp
}

fn answer_again(record: Record, fingerprint: &str) -> Response<Body> {
    match record {
        Record::InFlight { fingerprint: first }
        | Record::Done {
            fingerprint: first, ..
        } if first != fingerprint => ApiError::IdempotencyKeyReused.into_response(),
        Record::InFlight { .. } => ApiError::IdempotencyInProgress.into_response(),
        Record::Done { status, body, .. } if body.is_empty() && status != 204 => {
            ApiError::IdempotencyAnswerTooLarge.into_response()
        }
        Record::Done {
            status,
            content_type,
            body,
            ..
        } => {
            let mut builder = Response::builder()
                .status(status)
                .header("cache-control", "no-store")
                .header("idempotent-replayed", "true");
            if !content_type.is_empty() {
                builder = builder.header(http::header::CONTENT_TYPE, content_type);
            }
            let body = if body.is_empty() {
                Body::Empty
            } else {
                Body::Text(body)
            };
            builder.body(body).expect("stored response parts are valid")
        }
    }
}

/// 1–255 visible ASCII characters (a UUID is typical).
fn parse_key(raw: &http::HeaderValue) -> Result<String, ApiError> {
    let key = raw
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN)
        .filter(|k| k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            )
        })?;
    Ok(key.to_owned())
}

/// What makes two requests with one key "the same request".
fn fingerprint(req: &Request) -> String {
    let content_type = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    let query = req.uri().query().unwrap_or("").as_bytes();
    let body: &[u8] = match req.body() {
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    };
    hash(&[content_type, query, body])
}

/// SHA-256 of the parts, each length-prefixed so that no two lists collide.
fn hash(parts: &[&[u8]]) -> String {
    let mut sha = Sha256::new();
    for part in parts {
        sha.update((part.len() as u64).to_be_bytes());
        sha.update(part);
    }
    hex::encode(sha.finalize())
}
