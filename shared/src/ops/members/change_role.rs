//! `PUT /orgs/{org}/members/{user_id}/role`: admins change other members'
//! roles, never their own. The org's `admin_count` moves in the same
//! transaction, under the rule that keeps at least one admin.

use crate::ops::commit::Audit;
use crate::ops::{Caller, MemberTarget, Membership, OpError, settle};
use crate::App;
use crate::domain::{Action, Member, Role};
use crate::store::rules::{Counters, counters};
use crate::store::{Reads, Transaction, members};
use serde_json::json;

pub struct RoleChange {
    pub target: MemberTarget,
    pub role: Role,
}

pub async fn change_role(app: &App, caller: &Caller, input: RoleChange) -> Result<Member, OpError> {
    settle(|| attempt(app, caller, &input)).await
}

async fn attempt(
    app: &App,
    caller: &Caller,
    input: &RoleChange,
) -> Result<Option<Member>, OpError> {
    let MemberTarget { org: slug, user } = &input.target;
    let membership = Membership::load(app, slug, caller, Reads::new().member(slug, user)).await?;
    membership.require(Action::ChangeRole)?;
    if *user == caller.user_id {
        return Err(OpError::CannotChangeOwnRole);
    }
    let mut member = membership.member(user)?;
    let role = input.role;
    if member.role == role {
        return Ok(Some(member));
    }
    let admins = match (member.role, role) {
        (Role::Admin, _) => Counters::drop_admin(),
        (_, Role::Admin) => Counters::add_admin(),
        _ => Counters::NONE,
    };
    let mut tx = Transaction::new();
    tx.push("member", members::set_role(slug, user, member.role, role))
        .push("admin_count", counters(slug, admins));
    let detail = json!({"from": member.role, "to": role});
    let audit = Audit::new("member.role_changed", user.as_str(), detail);
    match membership.commit(app, tx, audit).await? {
        Ok(()) => {
            member.role = role;
            Ok(Some(member))
        }
        Err(lost) if lost.on("admin_count") => Err(OpError::LastAdmin),
        // The member left or their role changed meanwhile: read again.
        Err(lost) if lost.on("member") => Ok(None),
        Err(lost) => Err(lost.into()),
    }
}
