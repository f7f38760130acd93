//! `POST /tokens/introspect`: deployed behind IAM auth for channel servers,
//! so no caller identity is read here. Inactive tokens all look the same.

use super::respond;
use crate::App;
use crate::domain::Channel;
use crate::http::request::{json, parsed};
use crate::http::views::time;
use crate::http::{ApiError, response};
use crate::ops::OpError;
use crate::ops::introspect_token::introspect;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    token: String,
    channel: Option<String>,
}

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let input: Input = json(req)?;
    let channel = input
        .channel
        .map(|c| parsed("channel", Channel::parse(&c)))
        .transpose()?;
    let found = introspect(app, &input.token, channel.as_ref().map(Channel::as_str))
        .await
        .map_err(OpError::from)?;
    Ok(response::ok(&match found {
        Some(t) => json!({
            "active": true,
            "org": t.org,
            "user_id": t.user_id,
            "channels": t.channels.to_strings(),
            "expires_at": time(t.expires_at),
        }),
        None => json!({"active": false}),
    }))
}
