//! `PATCH /orgs/{org}`.

use super::{caller, respond};
use crate::App;
use crate::domain::{OrgName, SeatLimit};
use crate::http::request::{json, org_slug, parsed};
use crate::http::{ApiError, response, views};
use crate::ops::orgs::update::{OrgChanges, update_org};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    name: Option<String>,
    seat_limit: Option<i64>,
}

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let slug = org_slug(req)?;
    let input: Input = json(req)?;
    let changes = OrgChanges {
        org: slug,
        name: input
            .name
            .map(|n| parsed("name", OrgName::parse(&n)))
            .transpose()?,
        seat_limit: input
            .seat_limit
            .map(|l| parsed("seat_limit", SeatLimit::parse(l)))
            .transpose()?,
    };
    let org = update_org(app, &caller, changes).await?;
    Ok(response::ok(&views::org(&org)))
}
