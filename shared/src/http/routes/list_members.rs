//! `GET /orgs/{org}/members?role=&seat=&limit=&cursor=`.

use super::{caller, respond};
use crate::App;
use crate::domain::Role;
use crate::http::request::{limit, org_slug, parsed, query};
use crate::http::views::List;
use crate::http::{ApiError, response, views};
use crate::ops::list_members::{MemberQuery, list_members};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let slug = org_slug(req)?;
    let seat = match query(req, "seat").as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(ApiError::invalid("seat", "seat must be true or false")),
    };
    let q = MemberQuery {
        role: query(req, "role")
            .map(|r| parsed("role", Role::parse(&r)))
            .transpose()?,
        seat,
        limit: limit(req)?,
        cursor: query(req, "cursor"),
    };
    let (members, next) = list_members(app, &caller, &slug, q).await?;
    Ok(response::ok(&List {
        items: members.iter().map(views::member).collect(),
        next_cursor: next.map(|c| c.as_str().to_owned()),
    }))
}
