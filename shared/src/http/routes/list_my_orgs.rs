//! `GET /me/orgs`.

use super::{caller, respond};
use crate::App;
use crate::http::{ApiError, response, views};
use crate::ops::list_my_orgs::list_my_orgs;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let items: Vec<_> = list_my_orgs(app, &caller)
        .await?
        .iter()
        .map(|m| {
            json!({
                "org": views::org(&m.org),
                "role": m.member.role,
                "seat": m.member.has_seat(),
            })
        })
        .collect();
    Ok(response::ok(&json!({ "items": items })))
}
