//! `POST /orgs/{org}/invitations/{id}/resend`.

use crate::App;
use crate::http::request::invitation_ref;
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::invitations::resend::resend_invitation;
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let inv = resend_invitation(app, &caller, invitation_ref(req)?).await?;
    Ok(response::ok(&views::invitation(&inv, app.now())))
}
