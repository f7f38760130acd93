//! `GET /me/orgs`.

use super::{caller, respond};
use crate::App;
use crate::http::{ApiError, response, views};
use crate::ops::members::my_orgs::list_my_orgs;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let orgs = list_my_orgs(app, &caller).await?;
    Ok(response::ok(&views::my_orgs(&orgs)))
}
