//! `DELETE /orgs/{org}/members/{user_id}`: admins remove members; anyone
//! leaves. The seat is freed and the admin count kept honest in the same
//! transaction; the last admin can neither leave nor be removed. Tokens die
//! with the membership: introspection finds no member.

use super::{Caller, MemberTarget, Membership, OpError, audit, settle};
use crate::App;
use crate::domain::{Action, Role};
use crate::store::rules::{Counters, counters};
use crate::store::{Reads, Transaction, members};
use serde_json::json;

pub async fn remove_member(
    app: &App,
    caller: &Caller,
    target: MemberTarget,
) -> Result<(), OpError> {
    settle(|| attempt(app, caller, &target)).await
}

async fn attempt(app: &App, caller: &Caller, target: &MemberTarget) -> Result<Option<()>, OpError> {
    let MemberTarget { org: slug, user } = target;
    let leaving = *user == caller.user_id;
    let membership = Membership::load(app, slug, caller, Reads::new().member(slug, user)).await?;
    if !leaving {
        membership.require(Action::RemoveOtherMember)?;
    }
    let member = membership.member(user)?;
    let was_admin = member.role == Role::Admin;
    if was_admin && membership.org.admin_count <= 1 {
        return Err(OpError::LastAdmin);
    }
    let change = Counters::free_seat()
        .when(member.has_seat())
        .and(Counters::drop_admin().when(was_admin));
    let [remove, email] = members::remove(slug, &member);
    let action = if leaving {
        "member.left"
    } else {
        "member.removed"
    };
    let detail = json!({"email": member.email, "role": member.role, "had_seat": member.has_seat()});
    let mut tx = Transaction::new();
    tx.push("member", remove)
        .push("org", counters(slug, change))
        .push("email", email)
        .push(
            "audit",
            audit::entry(app, slug, caller, action, user.as_str(), detail),
        );
    if !leaving {
        membership.guard(&mut tx);
    }
    match app.store.transact(tx).await {
        Ok(()) => Ok(Some(())),
        Err(err) if err.failed("caller") => Err(OpError::Forbidden),
        Err(err) if was_admin && err.failed("org") => Err(OpError::LastAdmin),
        // Gone already, or their role or seat changed meanwhile: read again.
        Err(err) if err.failed("member") => Ok(None),
        Err(err) => Err(err.into()),
    }
}
