//! `DELETE /orgs/{org}/api-keys/{id}`.

use crate::App;
use crate::http::request::{org_slug, uuid_id};
use crate::http::{ApiError, response};
use crate::ops::api_keys::revoke::{KeyRef, revoke_api_key};
use crate::ops::{Caller, OpError};
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let input = KeyRef {
        org: org_slug(req)?,
        id: uuid_id(req, OpError::ApiKeyNotFound)?,
    };
    revoke_api_key(app, &caller, input).await?;
    Ok(response::no_content())
}
