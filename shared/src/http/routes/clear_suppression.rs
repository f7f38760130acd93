//! `DELETE /orgs/{org}/suppressions/{id}`, with an optional JSON body
//! `{"reason": "..."}` (required to clear a complaint).

use super::{caller, respond};
use crate::App;
use crate::domain::ClearReason;
use crate::http::request::{json, parsed, suppression_ref};
use crate::http::{ApiError, response};
use crate::ops::mail::clear_suppression::{Clear, clear_suppression};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    reason: Option<String>,
}

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let suppression = suppression_ref(req)?;
    let input: Input = json(req)?;
    let reason = input
        .reason
        .map(|raw| parsed("reason", ClearReason::parse(&raw)))
        .transpose()?;
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
