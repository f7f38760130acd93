//! The `authorize` function: the HTTP API's one Lambda authorizer, in front of
//! every route but the console's and introspection. It accepts a person's ID
//! token (RS256, checked as API Gateway's JWT authorizer would: [`jwt`]) or an
//! org API key (`rk_…`: its hash, then its creator's membership), and hands the function a
//! [`context::Principal`]. Locally `scripts/gateway.py` invokes this same
//! function before each request, as API Gateway does deployed.
//!
//! It always authorizes: a refused credential reaches the function as
//! [`context::Principal::Refused`], which answers a 401 problem naming the
//! reason (an HTTP API authorizer could only answer a bare 403). A request
//! with no `Authorization` header never gets here: API Gateway answers 401.

pub mod context;
pub mod jwks;
pub mod jwt;

use crate::App;
use crate::domain::ApiKey;
use crate::domain::api_key::SECRET_PREFIX;
use crate::store::StoreError;
use aws_lambda_events::apigw::{
    ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV2Request,
};
use context::Principal;
use std::sync::{Arc, OnceLock};

/// Whose ID tokens are accepted: `ROSTER_OIDC_ISSUER` and the comma-separated
/// `ROSTER_OIDC_AUDIENCE`, read once per instance.
pub struct IdTokens {
    expected: jwt::Expected,
    jwks: jwks::Jwks,
}

impl IdTokens {
    pub fn new(issuer: String, audiences: Vec<String>) -> Self {
        Self {
            jwks: jwks::Jwks::new(issuer.clone()),
            expected: jwt::Expected { issuer, audiences },
        }
    }

    fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).unwrap_or_default();
        let audiences = var("ROSTER_OIDC_AUDIENCE")
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
        Self::new(var("ROSTER_OIDC_ISSUER"), audiences)
    }

    /// The person a verified token names, or why it was refused.
    pub async fn check(&self, token: &str, now: i64) -> Principal {
        let verified = async {
            let kid = jwt::kid(token)?;
            let key = match self.jwks.key(&kid).await {
                Ok(Some(key)) => key,
                Ok(None) => return Err("the token's kid matches no key of the issuer".into()),
                Err(fetch) => {
                    tracing::warn!(error = %fetch, "cannot fetch the issuer's keys");
                    return Err("the issuer's keys cannot be fetched".into());
                }
            };
            jwt::verify(token, &key, &self.expected, now)
        };
        match verified.await {
            Ok(claims) => {
                let claim = |name: &str| claims.get(name).map(jwt::claim_string);
                Principal::Person {
                    sub: claim("sub"),
                    email: claim("email"),
                    email_verified: claim("email_verified"),
                }
            }
            Err(reason) => Principal::Refused { reason },
        }
    }
}

/// The principal behind an `Authorization` header's credential.
pub async fn principal(
    app: &App,
    id_tokens: &IdTokens,
    authorization: &str,
) -> Result<Principal, StoreError> {
    let credential = authorization.trim();
    // The header may hold the credential alone or after "Bearer".
    let credential = match credential.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => credential,
    };
    if credential.starts_with(SECRET_PREFIX) {
        api_key(app, credential).await
    } else {
        Ok(id_tokens.check(credential, app.now().timestamp()).await)
    }
}

/// The principal of a presented `rk_` key: two `GetItem`s (the key by its
/// hash, then its creator's membership: a key dies with its creator's admin
/// role, so an admin who leaves takes their keys along), and at most hourly
/// the write of its last use.
pub async fn api_key(app: &App, presented: &str) -> Result<Principal, StoreError> {
    let refused = |reason: &str| {
        Ok(Principal::Refused {
            reason: reason.into(),
        })
    };
    let Some(hash) = ApiKey::hash_presented(presented) else {
        return refused("the API key is malformed");
    };
    let Some(key) = app.store.api_key_by_hash(&hash).await? else {
        return refused("the API key is unknown or revoked");
    };
    let now = app.now();
    if key.credential.is_expired(now) {
        return refused("the API key has expired");
    }
    let creator = app
        .store
        .member(&key.credential.org, &key.created_by)
        .await?;
    if creator.is_none_or(|m| m.role != crate::domain::Role::Admin) {
        return refused("the API key's creator is no longer an admin of its organization");
    }
    if key.credential.use_is_stale(now) {
        // Last use is a courtesy: a failed write must not refuse the request.
        if let Err(err) = app.store.record_api_key_use(&key, now).await {
            tracing::warn!(error = %crate::error_chain::ErrorChain(&err), "cannot record the key's use");
        }
    }
    Ok(Principal::ApiKey {
        key_id: key.credential.id,
        created_by_email: key.created_by_email.to_string(),
        scope: key.scope,
    })
}

/// The Lambda handler (payload format 2.0, simple responses).
pub async fn handle(
    app: Arc<App>,
    event: lambda_runtime::LambdaEvent<ApiGatewayV2CustomAuthorizerV2Request>,
) -> Result<ApiGatewayV2CustomAuthorizerSimpleResponse, lambda_runtime::Error> {
    static ID_TOKENS: OnceLock<IdTokens> = OnceLock::new();
    let id_tokens = ID_TOKENS.get_or_init(IdTokens::from_env);
    let authorization = event
        .payload
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // Boxed: the SDK call and the HTTPS fetch nest deep enough to overflow
    // rustc's layout query depth in the binary (as in `sweep`).
    let principal = Box::pin(principal(&app, id_tokens, authorization)).await?;
    match &principal {
        Principal::Refused { reason } => tracing::info!(%reason, "credential refused"),
        Principal::Person { .. } => tracing::debug!("person"),
        Principal::ApiKey { key_id, .. } => tracing::info!(%key_id, "api key"),
    }
    let mut response = ApiGatewayV2CustomAuthorizerSimpleResponse::default();
    response.is_authorized = true;
    response.context = serde_json::Value::Object(principal.to_context());
    Ok(response)
}
