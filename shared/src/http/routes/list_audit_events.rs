//! `GET /orgs/{org}/audit?limit=&cursor=`.

use crate::App;
use crate::http::request::org_page;
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::orgs::audit::list_audit_events;
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let entries = list_audit_events(app, &caller, org_page(req)?).await?;
    Ok(response::ok(&views::page(&entries, views::audit)))
}
