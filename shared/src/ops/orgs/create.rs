//! `POST /orgs`: any caller creates an org and becomes its first admin.

use crate::App;
use crate::domain::{Limit, Member, Org, OrgName, OrgSlug, Role, SeatLimit};
use crate::ops::commit::{Audit, commit};
use crate::ops::quota::Daily;
use crate::ops::{Caller, OpError};
use crate::store::{Transaction, members, orgs, quotas};
use serde_json::json;

pub struct NewOrg {
    pub slug: OrgSlug,
    pub name: OrgName,
    pub seat_limit: SeatLimit,
}

pub async fn create_org(app: &App, caller: &Caller, input: NewOrg) -> Result<Org, OpError> {
    caller.require_person()?;
    caller.require_verified()?;
    let now = app.now();
    let org = Org {
        slug: input.slug,
        name: input.name,
        seat_limit: input.seat_limit,
        seats_used: 0,
        admin_count: 1,
        created_at: now,
        suppressed: 0,
        idle_seat_days: crate::domain::IdleSeatDays::DEFAULT,
        invitation_reminder_day: crate::domain::ReminderDay::DEFAULT,
        expired_digest: false,
    };
    let admin = Member {
        user_id: caller.user_id.clone(),
        email: caller.email.clone(),
        role: Role::Admin,
        seat_assigned_at: None,
        seat_epoch: 0,
        joined_at: now,
        seat_last_used_at: None,
    };
    let [member, email] = members::create(&org.slug, &admin);
    // Orgs this user created today, counted in the creating transaction.
    let daily = Daily {
        limit: Limit::OrgsPerUserPerDay,
        max: app.config.limits.orgs_per_user_per_day,
        now,
    };
    let quota = daily.take_one(quotas::user_orgs_today(&caller.user_id, now))?;
    let mut tx = Transaction::new();
    tx.push("orgs_today", quota);
    tx.push("org", orgs::create(&org))
        .push("member", member)
        .push("email", email);
    let detail = json!({"name": org.name, "seat_limit": org.seat_limit});
    let audit = Audit::new("org.created", org.slug.as_str(), detail);
    match commit(app, &admin, &org.slug, tx, audit, None).await? {
        Ok(()) => Ok(org),
        Err(lost) if lost.on("orgs_today") => Err(daily.refusal()),
        Err(lost) if lost.on("org") => Err(OpError::OrgExists),
        Err(lost) => Err(lost.into()),
    }
}
