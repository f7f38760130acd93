//! `DELETE /orgs/{org}/members/{user_id}` (also "leave", on oneself).

use crate::App;
use crate::http::request::target;
use crate::http::{ApiError, response};
use crate::ops::Caller;
use crate::ops::members::remove::remove_member;
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    remove_member(app, &caller, target(req)?).await?;
    Ok(response::no_content())
}
