//! `POST /orgs/{org}/invitations/{id}/resend`.

use super::{caller, respond};
use crate::App;
use crate::http::request::{invitation_id, org_slug};
use crate::http::{ApiError, response, views};
use crate::ops::resend_invitation::resend_invitation;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let slug = org_slug(req)?;
    let id = invitation_id(req)?;
    let inv = resend_invitation(app, &caller, &slug, &id).await?;
    Ok(response::ok(&views::invitation(&inv, app.now())))
}
