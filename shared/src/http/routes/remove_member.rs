//! `DELETE /orgs/{org}/members/{user_id}` (also "leave", on oneself).

use super::{caller, respond};
use crate::App;
use crate::http::request::target;
use crate::http::{ApiError, response};
use crate::ops::members::remove::remove_member;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    remove_member(app, &caller, target(req)?).await?;
    Ok(response::no_content())
}
