//! `GET /orgs/{org}/imports?limit=&cursor=`: recent import jobs, newest first.

use super::{caller, respond};
use crate::App;
use crate::http::request::{org_slug, page};
use crate::http::{ApiError, response, views};
use crate::ops::imports::list::{ImportsQuery, list_imports};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let input = ImportsQuery {
        org: org_slug(req)?,
        page: page(req)?,
    };
    let jobs = list_imports(app, &caller, input).await?;
    Ok(response::ok(&views::page(&jobs, views::import_job)))
}
