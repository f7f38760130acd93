//! `GET /orgs/{org}/imports/{id}?limit=&cursor=`: a job and a page of its
//! per-row outcomes.

use crate::App;
use crate::domain::import::ImportId;
use crate::http::request::{org_slug, page, path_param};
use crate::http::{ApiError, response, views};
use crate::ops::imports::get::{GetImport, get_import};
use crate::ops::{Caller, OpError};
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let org = org_slug(req)?;
    // A malformed id names no job.
    let id = ImportId::parse(&path_param(req, "id")?).map_err(|_| OpError::ImportNotFound)?;
    let page = page(req)?;
    let input = GetImport {
        org,
        id,
        limit: page.limit as usize,
        cursor: page.cursor,
    };
    let found = get_import(app, &caller, input).await?;
    Ok(response::ok(&views::import_page(&found)))
}
