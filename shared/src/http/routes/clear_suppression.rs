//! `DELETE /orgs/{org}/suppressions/{id}`, with an optional JSON body
//! `{"reason": "..."}` (required to clear a complaint).

use crate::App;
use crate::domain::ClearReason;
use crate::http::request::{json, parsed_opt, suppression_ref};
use crate::http::{ApiError, response};
use crate::ops::Caller;
use crate::ops::mail::clear_suppression::{Clear, clear_suppression};
use lambda_http::{Body, Request, Response};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    reason: Option<String>,
}

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let suppression = suppression_ref(req)?;
    let input: Input = json(req)?;
    let reason = parsed_opt("reason", input.reason, |raw| ClearReason::parse(&raw))?;
    clear_suppression(
        app,
        &caller,
        Clear {
            suppression,
            reason,
        },
    )
    .await?;
    Ok(response::no_content())
}
