//! `GET /orgs/{org}/members/{user_id}`.

use crate::App;
use crate::http::request::target;
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::members::get::get_member;
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let member = get_member(app, &caller, target(req)?).await?;
    Ok(response::ok(&views::member(&member)))
}
