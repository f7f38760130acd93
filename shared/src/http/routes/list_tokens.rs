//! `GET /orgs/{org}/tokens?user_id=&limit=&cursor=`.

use crate::App;
use crate::domain::UserId;
use crate::http::request::{org_slug, page, query};
use crate::http::{ApiError, response, views};
use crate::ops::tokens::list::{TokenQuery, list_tokens};
use crate::ops::{Caller, OpError};
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let holder = query(req, "user_id")
        .map(|u| UserId::parse(&u).map_err(|_| OpError::MemberNotFound))
        .transpose()?;
    let input = TokenQuery {
        org: org_slug(req)?,
        holder,
        page: page(req)?,
    };
    let tokens = list_tokens(app, &caller, input).await?;
    Ok(response::ok(&views::page(&tokens, views::listed_token)))
}
