//! `POST /orgs/{org}/join`: a person the org's directory provisioned joins it;
//! `POST /me/join`: every org whose directory provisioned them (the console,
//! after sign-in).

use crate::App;
use crate::http::request::org_slug;
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::directory::join::{join, join_all};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    if req
        .path_parameters_ref()
        .and_then(|p| p.first("org"))
        .is_none()
    {
        let joined = Box::pin(join_all(app, &caller)).await?;
        let items: Vec<_> = joined
            .iter()
            .map(|(org, member)| json!({"org": org, "member": views::member(member)}))
            .collect();
        return Ok(response::ok(&json!({ "joined": items })));
    }
    let member = Box::pin(join(app, &caller, &org_slug(req)?)).await?;
    Ok(response::ok(&views::member(&member)))
}
