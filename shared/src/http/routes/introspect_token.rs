//! `POST /tokens/introspect`: deployed behind IAM auth for channel servers,
//! so no caller identity is read here. Inactive tokens all look the same.

use super::respond;
use crate::App;
use crate::domain::Channel;
use crate::http::request::{json, parsed_opt};
use crate::http::{ApiError, response, views};
use crate::ops::tokens::introspect::{Introspection, introspect};
use lambda_http::{Body, Request, Response};
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
    let channel = parsed_opt("channel", input.channel, |c| Channel::parse(&c))?;
    let token = input.token;
    let found = introspect(app, Introspection { token, channel }).await?;
    Ok(response::ok(&views::introspection(found.as_ref())))
}
