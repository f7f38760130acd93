//! `DELETE /orgs/{org}/suppressions/{id}`.

use super::{caller, respond};
use crate::App;
use crate::http::request::suppression_ref;
use crate::http::{ApiError, response};
use crate::ops::clear_suppression::clear_suppression;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    clear_suppression(app, &caller, suppression_ref(req)?).await?;
    Ok(response::no_content())
}
