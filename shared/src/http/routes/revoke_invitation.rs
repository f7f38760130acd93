//! `DELETE /orgs/{org}/invitations/{id}`.

use crate::App;
use crate::http::request::invitation_ref;
use crate::http::{ApiError, response};
use crate::ops::Caller;
use crate::ops::invitations::revoke::revoke_invitation;
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    revoke_invitation(app, &caller, invitation_ref(req)?).await?;
    Ok(response::no_content())
}
