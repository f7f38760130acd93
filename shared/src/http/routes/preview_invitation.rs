//! `POST /invitations/preview`.

use super::{caller, respond};
use crate::App;
use crate::domain::InviteLink;
use crate::http::request::json;
use crate::http::{ApiError, response, views};
use crate::ops::OpError;
use crate::ops::preview_invitation::preview_invitation;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    token: String,
}

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let input: Input = json(req)?;
    // A token of the wrong shape cannot name an invitation.
    let link = InviteLink::parse(&input.token).map_err(|_| OpError::InvitationNotFound)?;
    let offer = preview_invitation(app, &caller, &link).await?;
    Ok(response::ok(&views::offer(&offer)))
}
