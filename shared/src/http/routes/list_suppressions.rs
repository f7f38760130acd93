//! `GET /orgs/{org}/suppressions?limit=&cursor=`.

use super::{caller, respond};
use crate::App;
use crate::http::request::{org_slug, page};
use crate::http::{ApiError, response, views};
use crate::ops::mail::list_suppressions::{SuppressionQuery, list_suppressions};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let input = SuppressionQuery {
        org: org_slug(req)?,
        page: page(req)?,
    };
    let found = list_suppressions(app, &caller, input).await?;
    Ok(response::ok(&views::page(&found, views::suppression)))
}
