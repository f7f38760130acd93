//! `POST /orgs/{org}/invitations[?dry_run=true]`, JSON or CSV.

use super::{caller, respond};
use crate::App;
use crate::domain::Role;
use crate::http::request::{body_bytes, flag, json, media_type, org_slug, parsed};
use crate::http::{ApiError, csv_upload, response};
use crate::ops::OpError;
use crate::ops::invite_members::{InviteRow, Outcome, invite_members, summary};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use std::sync::Arc;

pub const MAX_JSON_EMAILS: usize = 1_000;
/// Characters of a submitted value echoed back in a row result: an invalid
/// value is shown only so far, so 10,000 rows of junk cannot push the answer
/// past Lambda's 6 MB response limit (valid addresses are at most 254).
pub const MAX_ECHO_CHARS: usize = 100;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    emails: Vec<String>,
    role: Option<String>,
    #[serde(default)]
    seat: bool,
}

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    respond(run(&app, &req).await)
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = caller(app, req)?;
    let slug = org_slug(req)?;
    let dry_run = flag(req, "dry_run")?;
    let rows = match media_type(req).as_deref() {
        Some("text/csv") => csv_upload::parse(body_bytes(req)?)?,
        Some("application/json") => rows_from_json(json(req)?)?,
        _ => return Err(ApiError::UnsupportedMediaType),
    };
    let (results, limits) = invite_members(app, &caller, &slug, rows, dry_run).await?;
    let rows: Vec<Value> = results
        .iter()
        .map(|r| {
            let mut row =
                json!({"row": r.row, "email": echo(&r.email), "outcome": r.outcome.name()});
            match &r.outcome {
                Outcome::Invited(id) | Outcome::AlreadyInvited(id) => {
                    row["invitation_id"] = json!(id.as_str());
                }
                Outcome::Invalid(reason) => row["error"] = json!(reason),
                _ => {}
            }
            row
        })
        .collect();
    Ok(response::ok(&json!({
        "dry_run": dry_run,
        "summary": summary(&results),
        "results": rows,
        // Where this request stands against the org's limits; in a dry run,
        // `would_refuse` says what a real upload would be refused for (429).
        "limits": limits.iter().map(|c| json!({
            "limit": c.limit.name(),
            "max": c.max,
            "used": c.used,
            "requested": c.requested,
            "would_refuse": c.refused().is_some(),
            "retry_after": c.refused().map(|r| r.retry_after_secs),
        })).collect::<Vec<_>>(),
    })))
}

/// `value`, cut to [`MAX_ECHO_CHARS`] characters with an ellipsis when longer.
fn echo(value: &str) -> String {
    match value.char_indices().nth(MAX_ECHO_CHARS) {
        Some((cut, _)) => format!("{}\u{2026}", &value[..cut]),
        None => value.to_owned(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_echoed_truncated() {
        assert_eq!(echo("a@b.com"), "a@b.com");
        let exact = "é".repeat(MAX_ECHO_CHARS);
        assert_eq!(echo(&exact), exact);
        let long = echo(&"é".repeat(5_000));
        assert_eq!(long.chars().count(), MAX_ECHO_CHARS + 1);
        assert!(long.ends_with('\u{2026}'));
    }
}
