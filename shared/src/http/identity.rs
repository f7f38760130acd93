//! Who is calling: the principal the authorizer decided and passed on in
//! `requestContext.authorizer.lambda` ([`crate::authorizer::context`]);
//! nothing else is trusted. Deployed, API Gateway invokes the `authorize`
//! function before each request; locally the gateway (`scripts/gateway.py`)
//! invokes the same function, and the Rust tests their stand-in for it. A
//! function never reads a token.
//!
//! A refused credential is a 401 naming the reason. A person's token that
//! authenticates but lacks a claim Roster needs (`sub`, `email`,
//! `email_verified`), or carries one it cannot use, is still a 401, but one
//! that names the claim: a provider that omits `email_verified` otherwise
//! looks like a broken sign-in on every request. A deployment whose issuer
//! verifies every address it issues tokens for, and omits the claim, says so
//! (`emails_verified_by_issuer`); then a missing claim counts as verified.

use super::ApiError;
use crate::authorizer::context::Principal;
use crate::domain::api_key::KeyScope;
use crate::domain::{Email, UserId, api_key, directory};
use crate::ops::Caller;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

/// Where a credential is presented: the API, or the org's SCIM endpoints.
/// A directory sync key works only on the latter, and nothing else does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Api,
    Scim,
}

pub fn caller(req: &Request, emails_verified_by_issuer: bool) -> Result<Caller, ApiError> {
    caller_at(req, emails_verified_by_issuer, Surface::Api)
}

pub fn caller_at(
    req: &Request,
    emails_verified_by_issuer: bool,
    surface: Surface,
) -> Result<Caller, ApiError> {
    let authorizer = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.authorizer.as_ref(),
        _ => None,
    };
    let principal = authorizer
        .and_then(|authorizer| Principal::from_context(&authorizer.fields))
        .ok_or(ApiError::Unauthenticated)?;
    match (&principal, surface) {
        (Principal::ApiKey { scope, .. }, Surface::Api) if *scope == KeyScope::Scim => {
            return Err(ApiError::CredentialRefused(
                "a directory sync (scim) key works only on the org's /scim/v2 endpoints".into(),
            ));
        }
        (Principal::ApiKey { scope, .. }, Surface::Scim) if *scope != KeyScope::Scim => {
            return Err(ApiError::CredentialRefused(
                "the SCIM endpoints take a directory sync (scim) key".into(),
            ));
        }
        (Principal::Person { .. }, Surface::Scim) => {
            return Err(ApiError::CredentialRefused(
                "the SCIM endpoints take a directory sync (scim) key, not a person's token".into(),
            ));
        }
        _ => {}
    }
    match principal {
        Principal::Refused { reason } => Err(ApiError::CredentialRefused(reason)),
        Principal::ApiKey {
            key_id,
            created_by_email,
            ..
        } => {
            let user_id = api_key::caller_id(&key_id);
            super::span::record_caller(&user_id);
            Ok(Caller {
                user_id,
                email: Email::from_stored(&created_by_email)
                    .map_err(|_| ApiError::Unauthenticated)?,
                // Its creator's address was verified when they created it.
                email_verified: true,
            })
        }
        Principal::Person {
            sub,
            email,
            email_verified,
        } => from_claims(
            sub.as_deref(),
            email.as_deref(),
            email_verified
                .as_deref()
                // A JSON boolean arrives as "true"; some providers send the string "True".
                .map(|v| v.eq_ignore_ascii_case("true"))
                .or(emails_verified_by_issuer.then_some(true)),
        ),
    }
}

fn from_claims(
    sub: Option<&str>,
    email: Option<&str>,
    email_verified: Option<bool>,
) -> Result<Caller, ApiError> {
    let user_id = UserId::parse(sub.ok_or(ApiError::ClaimMissing("sub"))?)
        .ok()
        // No person may pass for an API key or a provisioned placeholder.
        .filter(|id| api_key::key_id_of(id).is_none() && !directory::is_placeholder(id))
        .ok_or(ApiError::ClaimInvalid("sub"))?;
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
