//! `GET /orgs/{org}/imports?limit=&cursor=`: recent import jobs, newest first.

use crate::App;
use crate::http::request::org_page;
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::imports::list::list_imports;
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let jobs = list_imports(app, &caller, org_page(req)?).await?;
    Ok(response::ok(&views::page(&jobs, views::import_job)))
}
