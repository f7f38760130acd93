//! `DELETE /orgs/{org}/api-keys/{id}`.

use super::answer;
use crate::App;
use crate::http::request::{org_slug, path_param};
use crate::http::{ApiError, response};
use crate::ops::api_keys::revoke::{KeyRef, revoke_api_key};
use crate::ops::{Caller, OpError};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    answer(&app, &req, run).await
}

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let input = KeyRef {
        org: org_slug(req)?,
        id: uuid::Uuid::parse_str(&path_param(req, "id")?).map_err(|_| OpError::ApiKeyNotFound)?,
    };
    revoke_api_key(app, &caller, input).await?;
    Ok(response::no_content())
}
