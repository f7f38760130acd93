//! `GET /orgs/{org}/members?role=&seat=&idle_days=&limit=&cursor=`.

use crate::App;
use crate::domain::{Invalid, Role};
use crate::http::request::{org_slug, page, parsed_opt, query};
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::members::list::{MemberQuery, list_members};
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let seat = match query(req, "seat").as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(ApiError::invalid("seat", "seat must be true or false")),
    };
    let idle_days = parsed_opt("idle_days", query(req, "idle_days"), |raw| {
        raw.parse::<u16>()
            .ok()
            .filter(|days| (1..=365).contains(days))
            .ok_or_else(|| Invalid::new("idle_days must be a whole number of days, 1 to 365"))
    })?;
    let input = MemberQuery {
        org: org_slug(req)?,
        role: parsed_opt("role", query(req, "role"), |r| Role::parse(&r))?,
        seat,
        idle_days,
        page: page(req)?,
    };
    let members = list_members(app, &caller, input).await?;
    Ok(response::ok(&views::page(&members, views::member)))
}
