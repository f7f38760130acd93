//! `DELETE /orgs/{org}/members/{user_id}/seat`.

use crate::App;
use crate::http::request::target;
use crate::http::{ApiError, response};
use crate::ops::Caller;
use crate::ops::members::revoke_seat::revoke_seat;
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    // Boxed: the operation's future nested in `answer` and `serve_http`
    // overflows rustc's layout depth when the binary is built.
    Box::pin(revoke_seat(app, &caller, target(req)?)).await?;
    Ok(response::no_content())
}
