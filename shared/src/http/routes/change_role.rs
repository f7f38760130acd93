//! `PUT /orgs/{org}/members/{user_id}/role`.

use super::{caller, respond};
use crate::App;
use crate::domain::Role;
use crate::http::request::{json, parsed, target};
use crate::http::{ApiError, response, views};
use crate::ops::members::change_role::{RoleChange, change_role};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    role: String,
}

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let target = target(req)?;
    let input: Input = json(req)?;
    let role = parsed("role", Role::parse(&input.role))?;
    let member = change_role(app, &caller, RoleChange { target, role }).await?;
    Ok(response::ok(&views::member(&member)))
}
