//! `POST /orgs`: any caller creates an org and becomes its first admin.

use super::{Caller, OpError, audit};
use crate::App;
use crate::domain::{Member, Org, OrgName, OrgSlug, Role, SeatLimit};
use crate::store::{Transaction, members, orgs};
use serde_json::json;

pub struct NewOrg {
    pub slug: OrgSlug,
    pub name: OrgName,
    pub seat_limit: SeatLimit,
}

pub async fn create_org(app: &App, caller: &Caller, input: NewOrg) -> Result<Org, OpError> {
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
    let [member, email] = members::create(&org.slug, &admin);
    let detail = json!({"name": org.name, "seat_limit": org.seat_limit});
    let mut tx = Transaction::new();
    tx.push("org", orgs::create(&org))
        .push("member", member)
        .push("email", email)
        .push(
            "audit",
            audit::entry(
                app,
                &org.slug,
                caller,
                "org.created",
                org.slug.as_str(),
                detail,
            ),
        );
    match app.store.transact(tx).await {
        Ok(()) => Ok(org),
        Err(err) if err.failed("org") => Err(OpError::OrgExists),
        Err(err) => Err(err.into()),
    }
}
