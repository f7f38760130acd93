//! `PUT /orgs/{org}/directory/groups/{group}`: link a directory group to
//! what it grants (`admin`, `billing_manager`, `seat`, or `null`).

use crate::App;
use crate::domain::directory::Grant;
use crate::http::request::{json, org_slug, parsed, path_param};
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::directory::OrgDirectory;
use crate::ops::directory::grants::set_group_grants;
use lambda_http::{Body, Request, Response};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    grants: Option<String>,
}

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let org = org_slug(req)?;
    let group = path_param(req, "group")?;
    let input: Input = json(req)?;
    let grants = match input.grants.as_deref() {
        None => None,
        Some(raw) => Some(parsed("grants", Grant::parse(raw))?),
    };
    let dir = OrgDirectory {
        app,
        caller: &caller,
        org: &org,
    };
    let found = Box::pin(set_group_grants(dir, &group, grants)).await?;
    Ok(response::ok(&views::directory_group(&found)))
}
