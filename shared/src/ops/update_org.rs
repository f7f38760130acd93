//! `PATCH /orgs/{org}`: admins rename; admins and billing managers change
//! `seat_limit`, never below `seats_used` (checked in the write's condition).

use super::{Caller, Membership, OpError, audit};
use crate::App;
use crate::domain::{Action, Org, OrgName, OrgSlug, SeatLimit};
use crate::store::attrs::{n, s};
use crate::store::orgs;
use crate::store::tx::{Expr, update};
use serde_json::json;

pub struct OrgChanges {
    pub name: Option<OrgName>,
    pub seat_limit: Option<SeatLimit>,
}

pub async fn update_org(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    changes: OrgChanges,
) -> Result<Org, OpError> {
    let membership = Membership::load(app, slug, caller, vec![]).await?;
    if changes.name.is_some() {
        membership.require(Action::UpdateOrgName)?;
    }
    if changes.seat_limit.is_some() {
        membership.require(Action::ManageSeats)?;
    }
    if changes.name.is_none() && changes.seat_limit.is_none() {
        membership.require(Action::ReadOrg)?;
        return Ok(membership.org);
    }
    let mut org = membership.org.clone();
    if let Some(limit) = changes.seat_limit
        && !org.can_set_seat_limit(limit)
    {
        return Err(OpError::SeatLimitBelowUsage {
            seats_used: org.seats_used,
        });
    }
    let mut sets = Vec::new();
    let mut expr = Expr::new();
    let mut condition = "attribute_exists(pk)".to_owned();
    if let Some(name) = &changes.name {
        sets.push("#name = :name");
        expr = expr.name("#name", "name").value(":name", s(name.as_str()));
        org.name = name.clone();
    }
    if let Some(limit) = changes.seat_limit {
        sets.push("seat_limit = :limit");
        condition.push_str(" AND seats_used <= :limit");
        expr = expr.value(":limit", n(limit.get()));
        org.seat_limit = limit;
    }
    let result = app
        .store
        .transact(vec![
            update(
                app.store.table(),
                orgs::org_key(slug),
                &format!("SET {}", sets.join(", ")),
                Some(&condition),
                expr,
            ),
            membership.still_authorized(app),
            audit::entry(
                app,
                slug,
                caller,
                "org.updated",
                slug.as_str(),
                json!({"name": changes.name, "seat_limit": changes.seat_limit}),
            ),
        ])
        .await;
    match result {
        Ok(()) => Ok(org),
        Err(err) if err.failed_at(0) => Err(OpError::SeatLimitBelowUsage {
            seats_used: org.seats_used,
        }),
        Err(err) if err.failed_at(1) => Err(OpError::Forbidden),
        Err(err) => Err(err.into()),
    }
}
