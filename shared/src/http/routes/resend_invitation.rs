//! `POST /orgs/{org}/invitations/{id}/resend`.

use super::{caller, respond};
use crate::App;
use crate::domain::InvitationId;
use crate::http::request::{org_slug, path_param};
use crate::http::{ApiError, response, views};
use crate::ops::OpError;
use crate::ops::resend_invitation::resend_invitation;
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
    let inv = resend_invitation(app, &caller, &slug, &id).await?;
    Ok(response::ok(&views::invitation(&inv, app.now())))
}
