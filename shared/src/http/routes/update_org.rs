//! `PATCH /orgs/{org}`.

use crate::App;
use crate::domain::{IdleSeatDays, OrgName, ReminderDay, SeatLimit};
use crate::http::request::{json, org_slug, parsed_opt};
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::orgs::update::{OrgChanges, update_org};
use lambda_http::{Body, Request, Response};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    name: Option<String>,
    seat_limit: Option<i64>,
    idle_seat_days: Option<i64>,
    invitation_reminder_day: Option<i64>,
    expired_invitations_digest: Option<bool>,
}

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let slug = org_slug(req)?;
    let input: Input = json(req)?;
    let changes = OrgChanges {
        org: slug,
        name: parsed_opt("name", input.name, |n| OrgName::parse(&n))?,
        seat_limit: parsed_opt("seat_limit", input.seat_limit, SeatLimit::parse)?,
        idle_seat_days: parsed_opt("idle_seat_days", input.idle_seat_days, IdleSeatDays::parse)?,
        invitation_reminder_day: parsed_opt(
            "invitation_reminder_day",
            input.invitation_reminder_day,
            ReminderDay::parse,
        )?,
        expired_digest: input.expired_invitations_digest,
    };
    let org = update_org(app, &caller, changes).await?;
    Ok(response::ok(&views::org(&org)))
}
