//! `GET /orgs/{org}/invitations?status=pending|expired|all&limit=&cursor=`.

use crate::App;
use crate::domain::StatusFilter;
use crate::http::request::{org_slug, page, parsed, query};
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::invitations::list::{InvitationQuery, list_invitations};
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let input = InvitationQuery {
        org: org_slug(req)?,
        status: parsed(
            "status",
            StatusFilter::parse(query(req, "status").as_deref()),
        )?,
        page: page(req)?,
    };
    let invitations = list_invitations(app, &caller, input).await?;
    let now = app.now();
    Ok(response::ok(&views::page(&invitations, |i| {
        views::invitation(i, now)
    })))
}
