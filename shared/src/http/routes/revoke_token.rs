//! `DELETE /orgs/{org}/tokens/{id}`.

use super::{caller, respond};
use crate::App;
use crate::http::request::{org_slug, path_param};
use crate::http::{ApiError, response};
use crate::ops::OpError;
use crate::ops::tokens::revoke::{TokenRef, revoke_token};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let input = TokenRef {
        org: org_slug(req)?,
        id: uuid::Uuid::parse_str(&path_param(req, "id")?).map_err(|_| OpError::TokenNotFound)?,
    };
    revoke_token(app, &caller, input).await?;
    Ok(response::no_content())
}
