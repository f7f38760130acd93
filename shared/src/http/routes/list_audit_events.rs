//! `GET /orgs/{org}/audit?limit=&cursor=`.

use super::{caller, respond};
use crate::App;
use crate::http::request::{limit, org_slug, query};
use crate::http::views::List;
use crate::http::{ApiError, response, views};
use crate::ops::list_audit_events::list_audit_events;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let slug = org_slug(req)?;
    let (entries, next) =
        list_audit_events(app, &caller, &slug, limit(req)?, query(req, "cursor")).await?;
    Ok(response::ok(&List {
        items: entries.iter().map(views::audit).collect(),
        next_cursor: next.map(|c| c.as_str().to_owned()),
    }))
}
