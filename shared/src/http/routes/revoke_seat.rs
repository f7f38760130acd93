//! `DELETE /orgs/{org}/members/{user_id}/seat`.

use super::answer;
use crate::App;
use crate::http::request::target;
use crate::http::{ApiError, response};
use crate::ops::Caller;
use crate::ops::members::revoke_seat::revoke_seat;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    answer(&app, &req, run).await
}

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    // Boxed: the operation's future nested in `answer` and `serve_http`
    // overflows rustc's layout depth when the binary is built.
    Box::pin(revoke_seat(app, &caller, target(req)?)).await?;
    Ok(response::no_content())
}
