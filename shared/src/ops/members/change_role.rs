//! `PUT /orgs/{org}/members/{user_id}/role`: admins change other members'
//! roles, never their own. The org's `admin_count` moves in the same
//! transaction, under the rule that keeps at least one admin.

use crate::App;
use crate::domain::{Action, Member, Role, UserId};
use crate::ops::commit::Audit;
use crate::ops::{Attempt, Caller, MemberTarget, Membership, OpError, settle};
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

async fn attempt(app: &App, caller: &Caller, input: &RoleChange) -> Attempt<Member> {
    let MemberTarget { org: slug, user } = &input.target;
    // A key never makes an admin: a leaked one could otherwise raise a
    // person of its choosing, who would then mint keys of their own.
    if input.role == Role::Admin {
        caller.require_person()?;
    }
    let reads = Reads::new().member(slug, user);
    let membership = Membership::authorize(app, slug, caller, reads, Action::ChangeRole).await?;
    let mut member = membership.member(user)?;
    let role = input.role;
    let Some(admins) = role_change(&caller.user_id, &member, role)? else {
        return Ok(Some(member));
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

/// How `caller` changing `member`'s role to `role` moves the admin count
/// (`None`: it is their role already, nothing to write). Admins never change
/// their own role; the last admin's demotion fails on the count's condition.
pub(crate) fn role_change(
    caller: &UserId,
    member: &Member,
    role: Role,
) -> Result<Option<Counters>, OpError> {
    if member.user_id == *caller {
        return Err(OpError::CannotChangeOwnRole);
    }
    if member.role == role {
        return Ok(None);
    }
    Ok(Some(match (member.role, role) {
        (Role::Admin, _) => Counters::drop_admin(),
        (_, Role::Admin) => Counters::add_admin(),
        _ => Counters::NONE,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::fixtures::{member, user};

    fn change(from: Role, to: Role) -> Result<Option<Counters>, OpError> {
        role_change(&user("ann"), &member("bob", from, false), to)
    }

    #[test]
    fn admins_never_change_their_own_role() {
        let own = role_change(
            &user("ann"),
            &member("ann", Role::Admin, false),
            Role::Member,
        );
        assert!(matches!(own, Err(OpError::CannotChangeOwnRole)));
    }

    #[test]
    fn the_admin_count_follows_promotions_and_demotions() {
        assert_eq!(
            change(Role::Member, Role::Admin).unwrap(),
            Some(Counters::add_admin())
        );
        assert_eq!(
            change(Role::Admin, Role::BillingManager).unwrap(),
            Some(Counters::drop_admin())
        );
        assert_eq!(
            change(Role::Member, Role::BillingManager).unwrap(),
            Some(Counters::NONE)
        );
        assert_eq!(
            change(Role::Admin, Role::Admin).unwrap(),
            None,
            "nothing to write"
        );
    }
}
