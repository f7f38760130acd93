//! `POST /orgs`: any caller creates an org and becomes its first admin.

use super::{Caller, OpError, audit};
use crate::App;
use crate::domain::Limit;
use crate::domain::{Member, Org, OrgName, OrgSlug, Role, SeatLimit};
use crate::store::tx::put_new;
use crate::store::{members, orgs, quotas};
use serde_json::json;

pub struct NewOrg {
    pub slug: OrgSlug,
    pub name: OrgName,
    pub seat_limit: SeatLimit,
}

pub async fn create_org(app: &App, caller: &Caller, input: NewOrg) -> Result<Org, OpError> {
    caller.require_verified()?;
    let now = app.now();
    let org = Org {
        slug: input.slug,
        name: input.name,
        seat_limit: input.seat_limit,
        seats_used: 0,
        admin_count: 1,
        created_at: now,
    };
    let admin = Member {
        user_id: caller.user_id.clone(),
        email: caller.email.clone(),
        role: Role::Admin,
        seat_assigned_at: None,
        seat_epoch: 0,
        joined_at: now,
    };
    let table = app.store.table();
    // Orgs this user created today, counted in the creating transaction.
    let max_orgs = app.config.limits.orgs_per_user_per_day;
    let over = || {
        OpError::LimitExceeded(quotas::daily_refusal(
            Limit::OrgsPerUserPerDay,
            max_orgs,
            now,
        ))
    };
    let quota = quotas::take(
        table,
        quotas::user_orgs_today(&caller.user_id, now),
        1,
        max_orgs,
        quotas::daily(now),
    )
    .ok_or_else(over)?;
    let result = app
        .store
        .transact(vec![
            quota,
            put_new(table, orgs::to_item(&org)),
            put_new(table, members::to_item(&org.slug, &admin)),
            put_new(table, members::email_item(&org.slug, &admin)),
            audit::entry(
                app,
                &org.slug,
                caller,
                "org.created",
                org.slug.as_str(),
                json!({"name": org.name, "seat_limit": org.seat_limit}),
            ),
        ])
        .await;
    match result {
        Ok(()) => Ok(org),
        Err(err) if err.failed_at(0) => Err(over()),
        Err(err) if err.is_condition_failed() => Err(OpError::OrgExists),
        Err(err) => Err(err.into()),
    }
}
