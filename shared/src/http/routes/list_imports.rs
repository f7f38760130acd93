//! `GET /orgs/{org}/imports?limit=&cursor=`: recent import jobs, newest first.

use super::{caller, respond};
use crate::App;
use crate::http::request::{limit, org_slug, query};
use crate::http::views::List;
use crate::http::{ApiError, response, views};
use crate::ops::import_list::{ListImports, list_imports};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let input = ListImports {
        caller: caller(app, req)?,
        org: org_slug(req)?,
        limit: limit(req)?,
        cursor: query(req, "cursor"),
    };
    let (jobs, next) = list_imports(app, input).await?;
    Ok(response::ok(&List {
        items: jobs.iter().map(views::import_job).collect(),
        next_cursor: next.map(|c| c.as_str().to_owned()),
    }))
}
