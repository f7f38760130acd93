//! `POST /orgs/{org}/invitations/{id}/resend`.

use super::{caller, respond};
use crate::App;
use crate::http::request::invitation_ref;
use crate::http::{ApiError, response, views};
use crate::ops::invitations::resend::resend_invitation;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let inv = resend_invitation(app, &caller, invitation_ref(req)?).await?;
    Ok(response::ok(&views::invitation(&inv, app.now())))
}
