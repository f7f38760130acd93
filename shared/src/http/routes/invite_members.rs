//! `POST /orgs/{org}/invitations[?dry_run=true]`, JSON or CSV. Uploads of
//! more than [`SYNC_MAX_ROWS`] rows (not dry runs) become import jobs: `202`
//! with the job and its `Location`.

use crate::App;
use crate::domain::Role;
use crate::domain::import::SYNC_MAX_ROWS;
use crate::http::request::{body_bytes, flag, json, media_type, org_slug, parsed};
use crate::http::{ApiError, csv_upload, response, views};
use crate::ops::imports::start::{StartImport, start_import};
use crate::ops::invitations::invite::{Invite, invite_members};
use crate::ops::invitations::pipeline::InviteRow;
use crate::ops::{Caller, OpError};
use lambda_http::{Body, Request, Response};

pub const MAX_JSON_EMAILS: usize = 1_000;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    emails: Vec<String>,
    role: Option<String>,
    #[serde(default)]
    seat: bool,
}

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let slug = org_slug(req)?;
    let dry_run = flag(req, "dry_run")?;
    let (rows, format) = match media_type(req).as_deref() {
        Some("text/csv") => {
            let (rows, format) = csv_upload::parse(body_bytes(req)?)?;
            (rows, Some(format))
        }
        Some("application/json") => (rows_from_json(json(req)?)?, None),
        _ => return Err(ApiError::UnsupportedMediaType),
    };
    if !dry_run && rows.len() > SYNC_MAX_ROWS {
        let job = start_import(
            app,
            &caller,
            StartImport {
                org: slug.clone(),
                rows,
            },
        )
        .await?;
        let mut answer = views::import_job(&job);
        views::add_csv_format(&mut answer, format);
        return Ok(response::accepted(
            &format!("/orgs/{slug}/imports/{}", job.id),
            &answer,
        ));
    }
    let input = Invite {
        org: slug,
        rows,
        dry_run,
    };
    let (results, limits) = invite_members(app, &caller, input).await?;
    let mut answer = views::invite_results(&results, &limits, dry_run);
    views::add_csv_format(&mut answer, format);
    Ok(response::ok(&answer))
}

fn rows_from_json(input: Input) -> Result<Vec<InviteRow>, ApiError> {
    if input.emails.is_empty() {
        return Err(ApiError::invalid(
            "emails",
            "emails must list at least one address",
        ));
    }
    if input.emails.len() > MAX_JSON_EMAILS {
        return Err(OpError::TooLarge(format!(
            "A JSON request invites at most {MAX_JSON_EMAILS} emails; upload a CSV for more."
        ))
        .into());
    }
    let role = match input.role {
        None => Role::Member,
        Some(raw) => parsed("role", Role::parse(&raw))?,
    };
    Ok(input
        .emails
        .into_iter()
        .map(|email| InviteRow {
            email,
            role: Ok(role),
            seat: Ok(input.seat),
        })
        .collect())
}
