//! `GET /orgs/{org}/events`: an org's events, oldest first, 30 days deep,
//! filtered by type and time. Admins only.

use crate::App;
use crate::domain::events::{Event, EventType};
use crate::domain::{Action, OrgSlug};
use crate::ops::access::authorized_page;
use crate::ops::{Caller, Listed, PageRequest};
use crate::store::events;
use chrono::{DateTime, Utc};

pub struct EventQuery {
    pub org: OrgSlug,
    /// Empty: every type.
    pub types: Vec<EventType>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub page: PageRequest,
}

/// A page may hold fewer events than asked when a type filter is given (the
/// filter applies to what the page read); follow `next_cursor` to the end.
pub async fn list_events(app: &App, caller: &Caller, input: EventQuery) -> Listed<Event> {
    let query = events::feed(&input.org, input.since, input.until);
    let (_, mut page) = authorized_page(
        app,
        caller,
        &input.org,
        Action::ManageWebhooks,
        query,
        input.page,
    )
    .await?;
    if !input.types.is_empty() {
        page.items.retain(|e| input.types.contains(&e.kind));
    }
    Ok(page)
}
