//! `DELETE /orgs/{org}/tokens/{id}`.

use crate::App;
use crate::http::request::{org_slug, uuid_id};
use crate::http::{ApiError, response};
use crate::ops::tokens::revoke::{TokenRef, revoke_token};
use crate::ops::{Caller, OpError};
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let input = TokenRef {
        org: org_slug(req)?,
        id: uuid_id(req, OpError::TokenNotFound)?,
    };
    revoke_token(app, &caller, input).await?;
    Ok(response::no_content())
}
