//! `GET /orgs/{org}/events?type=&since=&until=&limit=&cursor=`.

use crate::App;
use crate::domain::Invalid;
use crate::domain::events::EventType;
use crate::http::request::{org_slug, page, parsed, parsed_opt, query};
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::events::feed::{EventQuery, list_events};
use chrono::{DateTime, Utc};
use lambda_http::{Body, Request, Response};

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let types = match query(req, "type") {
        None => Vec::new(),
        Some(raw) => parsed(
            "type",
            EventType::parse_list(raw.split(',').filter(|t| !t.is_empty())),
        )?,
    };
    let since = parsed_opt("since", query(req, "since"), |raw| instant(&raw))?;
    let until = parsed_opt("until", query(req, "until"), |raw| instant(&raw))?;
    if let (Some(since), Some(until)) = (since, until)
        && since > until
    {
        return Err(ApiError::invalid("until", "until must not be before since"));
    }
    let input = EventQuery {
        org: org_slug(req)?,
        types,
        since,
        until,
        page: page(req)?,
    };
    let events = list_events(app, &caller, input).await?;
    Ok(response::ok(&views::page(&events, views::event)))
}

/// An RFC 3339 time from 1970 to 2199 (the feed's positions hold no other).
fn instant(raw: &str) -> Result<DateTime<Utc>, Invalid> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.to_utc())
        .ok()
        .filter(|t| (1970..2200).contains(&chrono::Datelike::year(t)))
        .ok_or_else(|| Invalid::new("must be an RFC 3339 time, such as 2026-12-01T00:00:00Z"))
}
