//! `GET /orgs/{org}/directory`: the console's Directory sync page.

use crate::App;
use crate::http::request::org_slug;
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::directory::OrgDirectory;
use crate::ops::directory::grants::overview;
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let org = org_slug(req)?;
    let dir = OrgDirectory {
        app,
        caller: &caller,
        org: &org,
    };
    let found = overview(dir).await?;
    Ok(response::ok(&views::directory(&org, &found)))
}
