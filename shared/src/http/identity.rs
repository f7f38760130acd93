//! Who is calling. Deployed, API Gateway's JWT authorizer has verified the
//! token and we read its claims; nothing else is trusted. Locally, and only
//! when `ROSTER_DEV_JWT_SECRET` is set and no authorizer context is present,
//! an HS256 bearer JWT signed with that secret is accepted.
//!
//! A token that authenticates but lacks a claim Roster needs (`sub`, `email`,
//! `email_verified`), or carries one it cannot use, is still a 401, but one
//! that names the claim: a provider that omits `email_verified` otherwise
//! looks like a broken sign-in on every request.

use super::ApiError;
use crate::domain::{Email, UserId};
use crate::ops::Caller;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

pub fn caller(req: &Request, dev_jwt_secret: Option<&str>) -> Result<Caller, ApiError> {
    let authorizer = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.authorizer.as_ref(),
        _ => None,
    };
    match authorizer {
        Some(authorizer) => {
            let claims = authorizer
                .jwt
                .as_ref()
                .map(|jwt| &jwt.claims)
                .ok_or(ApiError::Unauthenticated)?;
            from_claims(
                claims.get("sub").map(String::as_str),
                claims.get("email").map(String::as_str),
                claims.get("email_verified").map(|v| v == "true"),
            )
        }
        None => {
            let secret = dev_jwt_secret.ok_or(ApiError::Unauthenticated)?;
            dev_jwt_caller(req, secret)
        }
    }
}

#[derive(serde::Deserialize)]
struct DevClaims {
    sub: Option<String>,
    email: Option<String>,
    email_verified: Option<bool>,
}

fn dev_jwt_caller(req: &Request, secret: &str) -> Result<Caller, ApiError> {
    let header = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::Unauthenticated)?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or(ApiError::Unauthenticated)?
        .trim();
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.validate_aud = false;
    // `sub` is checked with the other claims, so its absence is named.
    validation.set_required_spec_claims(&["exp"]);
    let data = jsonwebtoken::decode::<DevClaims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map_err(|err| {
        tracing::info!(reason = rejection(&err), "dev JWT rejected");
        ApiError::Unauthenticated
    })?;
    let claims = data.claims;
    from_claims(
        claims.sub.as_deref(),
        claims.email.as_deref(),
        claims.email_verified,
    )
}

fn from_claims(
    sub: Option<&str>,
    email: Option<&str>,
    email_verified: Option<bool>,
) -> Result<Caller, ApiError> {
    let user_id = UserId::parse(sub.ok_or(ApiError::ClaimMissing("sub"))?)
        .map_err(|_| ApiError::ClaimInvalid("sub"))?;
    let email = Email::parse(email.ok_or(ApiError::ClaimMissing("email"))?)
        .map_err(|_| ApiError::ClaimInvalid("email"))?;
    let email_verified = email_verified.ok_or(ApiError::ClaimMissing("email_verified"))?;
    super::span::record_caller(&user_id);
    Ok(Caller {
        user_id,
        email,
        email_verified,
    })
}

/// Why a token was refused, for the log: the kind only. A JSON error's text
/// can quote a claim's value (an address), so it is never logged.
fn rejection(err: &jsonwebtoken::errors::Error) -> &'static str {
    use jsonwebtoken::errors::ErrorKind::*;
    match err.kind() {
        InvalidToken => "malformed",
        InvalidSignature => "bad signature",
        ExpiredSignature => "expired",
        ImmatureSignature => "not yet valid",
        InvalidAlgorithm | InvalidAlgorithmName => "wrong algorithm",
        MissingRequiredClaim(_) => "missing claim",
        Json(_) => "unreadable claims",
        Base64(_) | Utf8(_) => "bad encoding",
        _ => "invalid",
    }
}
