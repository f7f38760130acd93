//! `POST /invitations/preview`.

use super::{caller, invite_link, respond};
use crate::App;
use crate::http::{ApiError, response, views};
use crate::ops::invitations::preview::preview_invitation;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let link = invite_link(req)?;
    let offer = preview_invitation(app, &caller, &link).await?;
    Ok(response::ok(&views::offer(&offer)))
}
