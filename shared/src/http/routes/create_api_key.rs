//! `POST /orgs/{org}/api-keys`.

use crate::App;
use crate::domain::Role;
use crate::domain::api_key::{KeyScope, parse_role};
use crate::domain::{TokenName, TokenTtlDays};
use crate::http::idempotency::SecretShownOnce;
use crate::http::request::{json, org_slug, parsed};
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::api_keys::create::{NewKey, create_api_key};
use lambda_http::{Body, Request, Response};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    name: String,
    role: Option<String>,
    expires_in_days: Option<i64>,
    scope: Option<String>,
}

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let org = org_slug(req)?;
    let input: Input = json(req)?;
    let scope = match &input.scope {
        None => KeyScope::Api,
        Some(raw) => parsed("scope", KeyScope::parse(raw))?,
    };
    let role = match (scope, input.role.as_deref()) {
        // A directory sync token manages members: it acts as an admin.
        (KeyScope::Scim, None | Some("admin")) => Role::Admin,
        (KeyScope::Scim, Some(_)) => {
            return Err(ApiError::invalid(
                "role",
                "a scim key is always admin: omit role",
            ));
        }
        (KeyScope::Api, None) => return Err(ApiError::invalid("role", "role is required")),
        (KeyScope::Api, Some(raw)) => parsed("role", parse_role(raw))?,
    };
    let new = NewKey {
        org,
        name: parsed("name", TokenName::parse(&input.name))?,
        role,
        scope,
        ttl: match input.expires_in_days {
            None => TokenTtlDays::DEFAULT,
            Some(days) => parsed("expires_in_days", TokenTtlDays::parse(days))?,
        },
    };
    let created = create_api_key(app, &caller, new).await?;
    let resp = response::json(201, &views::created_api_key(&created));
    // Shown once: an idempotent replay names the key instead (never the secret).
    Ok(SecretShownOnce::mark(
        resp,
        created.key.credential.id.clone(),
    ))
}
