//! `DELETE /orgs/{org}/invitations/{id}`.

use super::{caller, respond};
use crate::App;
use crate::http::request::invitation_ref;
use crate::http::{ApiError, response};
use crate::ops::invitations::revoke::revoke_invitation;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    revoke_invitation(app, &caller, invitation_ref(req)?).await?;
    Ok(response::no_content())
}
