//! `GET /me/orgs`.

use crate::App;
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::members::my_orgs::list_my_orgs;
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, _req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let orgs = list_my_orgs(app, &caller).await?;
    Ok(response::ok(&views::my_orgs(&orgs)))
}
