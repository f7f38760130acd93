//! `GET /orgs/{org}/invitations?status=pending|expired|all&limit=&cursor=`.

use super::{caller, respond};
use crate::App;
use crate::http::request::{limit, org_slug, query};
use crate::http::views::List;
use crate::http::{ApiError, response, views};
use crate::ops::list_invitations::{InvitationQuery, StatusFilter, list_invitations};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let slug = org_slug(req)?;
    let status = StatusFilter::parse(query(req, "status").as_deref())
        .ok_or_else(|| ApiError::invalid("status", "status must be pending, expired or all"))?;
    let q = InvitationQuery {
        status,
        limit: limit(req)?,
        cursor: query(req, "cursor"),
    };
    let (items, next) = list_invitations(app, &caller, &slug, q).await?;
    let now = app.now();
    Ok(response::ok(&List {
        items: items.iter().map(|i| views::invitation(i, now)).collect(),
        next_cursor: next.map(|c| c.as_str().to_owned()),
    }))
}
