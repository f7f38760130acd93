//! Who is calling: the claims API Gateway's JWT authorizer verified and
//! passed on, every value a string; nothing else is trusted. Deployed that is
//! API Gateway itself; locally, the same check by the local gateway
//! (`scripts/gateway.py`) against the local OpenID Connect provider, and in
//! the Rust tests their stand-in for it. A function never reads a token.
//!
//! A token that authenticates but lacks a claim Roster needs (`sub`, `email`,
//! `email_verified`), or carries one it cannot use, is still a 401, but one
//! that names the claim: a provider that omits `email_verified` otherwise
//! looks like a broken sign-in on every request. A deployment whose issuer
//! verifies every address it issues tokens for, and omits the claim, says so
//! (`emails_verified_by_issuer`); then a missing claim counts as verified.

use super::ApiError;
use crate::domain::{Email, UserId};
use crate::ops::Caller;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

pub fn caller(req: &Request, emails_verified_by_issuer: bool) -> Result<Caller, ApiError> {
    let authorizer = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.authorizer.as_ref(),
        _ => None,
    };
    let claims = authorizer
        .and_then(|authorizer| authorizer.jwt.as_ref())
        .map(|jwt| &jwt.claims)
        .ok_or(ApiError::Unauthenticated)?;
    from_claims(
        claims.get("sub").map(String::as_str),
        claims.get("email").map(String::as_str),
        claims
            .get("email_verified")
            // A JSON boolean arrives as "true"; some providers send the string "True".
            .map(|v| v.eq_ignore_ascii_case("true"))
            .or(emails_verified_by_issuer.then_some(true)),
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
