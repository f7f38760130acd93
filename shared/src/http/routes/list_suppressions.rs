//! `GET /orgs/{org}/suppressions?limit=&cursor=`.

use crate::App;
use crate::http::request::org_page;
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::mail::list_suppressions::list_suppressions;
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let found = list_suppressions(app, &caller, org_page(req)?).await?;
    Ok(response::ok(&views::page(&found, views::suppression)))
}
