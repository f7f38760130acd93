//! `GET /orgs/{org}/api-keys?limit=&cursor=`: the org's keys, newest first.

use crate::App;
use crate::http::request::org_page;
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::api_keys::list::list_api_keys;
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let keys = list_api_keys(app, &caller, org_page(req)?).await?;
    Ok(response::ok(&views::page(&keys, views::api_key)))
}
