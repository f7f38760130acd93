//! `PUT /orgs/{org}/members/{user_id}/role`.

use crate::App;
use crate::domain::Role;
use crate::http::request::{json, parsed, target};
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::members::change_role::{RoleChange, change_role};
use lambda_http::{Body, Request, Response};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    role: String,
}

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let target = target(req)?;
    let input: Input = json(req)?;
    let role = parsed("role", Role::parse(&input.role))?;
    // Boxed: see revoke_seat (rustc's layout depth when the binary is built).
    let member = Box::pin(change_role(app, &caller, RoleChange { target, role })).await?;
    Ok(response::ok(&views::member(&member)))
}
