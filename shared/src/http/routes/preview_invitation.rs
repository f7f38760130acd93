//! `POST /invitations/preview`.

use super::invite_link;
use crate::App;
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::invitations::preview::preview_invitation;
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let link = invite_link(req)?;
    let offer = preview_invitation(app, &caller, &link).await?;
    Ok(response::ok(&views::offer(&offer)))
}
