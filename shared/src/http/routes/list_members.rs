//! `GET /orgs/{org}/members?role=&seat=&limit=&cursor=`.

use super::answer;
use crate::App;
use crate::domain::Role;
use crate::http::request::{org_slug, page, parsed_opt, query};
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::members::list::{MemberQuery, list_members};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    answer(&app, &req, run).await
}

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let seat = match query(req, "seat").as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(ApiError::invalid("seat", "seat must be true or false")),
    };
    let input = MemberQuery {
        org: org_slug(req)?,
        role: parsed_opt("role", query(req, "role"), |r| Role::parse(&r))?,
        seat,
        page: page(req)?,
    };
    let members = list_members(app, &caller, input).await?;
    Ok(response::ok(&views::page(&members, views::member)))
}
