//! `GET /orgs/{org}/tokens?user_id=&limit=&cursor=`.

use super::{caller, respond};
use crate::App;
use crate::domain::UserId;
use crate::http::request::{limit, org_slug, query};
use crate::http::views::List;
use crate::http::{ApiError, response, views};
use crate::ops::OpError;
use crate::ops::list_tokens::list_tokens;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let slug = org_slug(req)?;
    let holder = query(req, "user_id")
        .map(|u| UserId::parse(&u).map_err(|_| OpError::MemberNotFound))
        .transpose()?;
    let (tokens, next) = list_tokens(
        app,
        &caller,
        &slug,
        holder,
        limit(req)?,
        query(req, "cursor"),
    )
    .await?;
    Ok(response::ok(&List {
        items: tokens.iter().map(views::token).collect(),
        next_cursor: next.map(|c| c.as_str().to_owned()),
    }))
}
