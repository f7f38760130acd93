//! `POST /invitations/preview`.

use super::{caller, respond};
use crate::App;
use crate::domain::InviteLink;
use crate::http::request::json;
use crate::http::{ApiError, response, views};
use crate::ops::OpError;
use crate::ops::preview_invitation::preview_invitation;
use lambda_http::{Body, Request, Response};
use serde_json::json;
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
    // Only what the invitee needs to decide: not the org's seat counts.
    Ok(response::ok(&json!({
        "org": {"slug": offer.org.slug, "name": offer.org.name},
        "email": offer.invitation.email,
        "role": offer.invitation.role,
        "seat": offer.invitation.seat,
        "invited_by": offer.invitation.invited_by,
        "expires_at": views::time(offer.invitation.expires_at),
    })))
}
