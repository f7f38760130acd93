//! `DELETE /orgs/{org}/tokens/{id}`.

use super::answer;
use crate::App;
use crate::http::request::{org_slug, path_param};
use crate::http::{ApiError, response};
use crate::ops::tokens::revoke::{TokenRef, revoke_token};
use crate::ops::{Caller, OpError};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    answer(&app, &req, run).await
}

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let input = TokenRef {
        org: org_slug(req)?,
        id: uuid::Uuid::parse_str(&path_param(req, "id")?).map_err(|_| OpError::TokenNotFound)?,
    };
    revoke_token(app, &caller, input).await?;
    Ok(response::no_content())
}
