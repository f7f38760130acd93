//! `PUT /orgs/{org}/members/{user_id}/seat`.

use crate::App;
use crate::http::request::target;
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::members::assign_seat::assign_seat;
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    // Boxed: see revoke_seat (rustc's layout depth when the binary is built).
    let member = Box::pin(assign_seat(app, &caller, target(req)?)).await?;
    Ok(response::ok(&views::member(&member)))
}
