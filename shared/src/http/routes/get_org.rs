//! `GET /orgs/{org}`.

use crate::App;
use crate::http::request::org_slug;
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::orgs::get::get_org;
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let org = get_org(app, &caller, org_slug(req)?).await?;
    Ok(response::ok(&views::org(&org)))
}
