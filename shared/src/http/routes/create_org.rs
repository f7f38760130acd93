//! `POST /orgs`.

use crate::App;
use crate::domain::{OrgName, OrgSlug, SeatLimit};
use crate::http::request::{json, parsed};
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::orgs::create::{NewOrg, create_org};
use lambda_http::{Body, Request, Response};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    slug: String,
    name: String,
    #[serde(default)]
    seat_limit: i64,
}

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let input: Input = json(req)?;
    let new = NewOrg {
        slug: parsed("slug", OrgSlug::parse(&input.slug))?,
        name: parsed("name", OrgName::parse(&input.name))?,
        seat_limit: parsed("seat_limit", SeatLimit::parse(input.seat_limit))?,
    };
    let org = create_org(app, &caller, new).await?;
    Ok(response::json(201, &views::org(&org)))
}
