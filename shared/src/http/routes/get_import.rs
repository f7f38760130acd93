//! `GET /orgs/{org}/imports/{id}?limit=&cursor=`: a job and a page of its
//! per-row outcomes.

use super::{caller, respond};
use crate::App;
use crate::domain::import::ImportId;
use crate::http::request::{limit, org_slug, path_param, query};
use crate::http::{ApiError, response, views};
use crate::ops::OpError;
use crate::ops::import_get::{GetImport, get_import};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let org = org_slug(req)?;
    // A malformed id names no job.
    let id = ImportId::parse(&path_param(req, "id")?).map_err(|_| OpError::ImportNotFound)?;
    let input = GetImport {
        caller,
        org,
        id,
        limit: limit(req)? as usize,
        cursor: query(req, "cursor"),
    };
    let page = get_import(app, input).await?;
    let mut body = views::import_job(&page.job);
    body["results"] = json!(
        page.results
            .iter()
            .map(views::invite_row)
            .collect::<Vec<_>>()
    );
    body["next_cursor"] = json!(page.next_cursor.map(|c| c.as_str().to_owned()));
    Ok(response::ok(&body))
}
