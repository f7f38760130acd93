//! `POST /orgs/{org}/tokens` and `POST /orgs/{org}/members/{user_id}/tokens`.

use crate::App;
use crate::domain::{ChannelScope, TokenName, TokenTtlDays};
use crate::http::idempotency::SecretShownOnce;
use crate::http::request::{json, org_slug, parsed, user_id};
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::tokens::issue::{NewToken, issue_token};
use lambda_http::{Body, Request, RequestExt, Response};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    name: String,
    expires_in_days: Option<i64>,
    channels: Option<Vec<String>>,
}

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let slug = org_slug(req)?;
    let for_other = req
        .path_parameters_ref()
        .is_some_and(|p| p.first("user_id").is_some());
    let holder = if for_other {
        user_id(req)?
    } else {
        caller.user_id.clone()
    };
    let input: Input = json(req)?;
    let new = NewToken {
        org: slug,
        holder,
        name: parsed("name", TokenName::parse(&input.name))?,
        ttl: match input.expires_in_days {
            None => TokenTtlDays::DEFAULT,
            Some(days) => parsed("expires_in_days", TokenTtlDays::parse(days))?,
        },
        channels: match input.channels {
            None => ChannelScope::All,
            Some(list) => parsed("channels", ChannelScope::parse(&list))?,
        },
    };
    let issued = issue_token(app, &caller, new).await?;
    let resp = response::json(201, &views::issued_token(&issued));
    // Shown once: an idempotent replay names the token instead (never the secret).
    Ok(SecretShownOnce::mark(
        resp,
        issued.token.credential.id.clone(),
    ))
}
