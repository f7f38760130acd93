//! `DELETE /orgs/{org}/invitations/{id}`.

use super::{caller, respond};
use crate::App;
use crate::domain::InvitationId;
use crate::http::request::{org_slug, path_param};
use crate::http::{ApiError, response};
use crate::ops::OpError;
use crate::ops::revoke_invitation::revoke_invitation;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let slug = org_slug(req)?;
    let id =
        InvitationId::parse(&path_param(req, "id")?).map_err(|_| OpError::InvitationNotFound)?;
    revoke_invitation(app, &caller, &slug, &id).await?;
    Ok(response::no_content())
}
