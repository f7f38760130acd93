//! `POST /orgs/{org}/join`: a person the org's directory provisioned joins.

use super::answer;
use crate::App;
use crate::http::request::org_slug;
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::directory::join::join;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    answer(&app, &req, run).await
}

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let member = Box::pin(join(app, &caller, &org_slug(req)?)).await?;
    Ok(response::ok(&views::member(&member)))
}
