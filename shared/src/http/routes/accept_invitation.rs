//! `POST /invitations/accept`.

use super::{answer, invite_link};
use crate::App;
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::invitations::accept::accept_invitation;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    answer(&app, &req, run).await
}

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let link = invite_link(req)?;
    let accepted = accept_invitation(app, &caller, link).await?;
    Ok(response::ok(&views::accepted(&accepted)))
}
