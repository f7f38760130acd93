//! `PUT /orgs/{org}/members/{user_id}/seat`.

use super::answer;
use crate::App;
use crate::http::request::target;
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::members::assign_seat::assign_seat;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    answer(&app, &req, run).await
}

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    // Boxed: see revoke_seat (rustc's layout depth when the binary is built).
    let member = Box::pin(assign_seat(app, &caller, target(req)?)).await?;
    Ok(response::ok(&views::member(&member)))
}
