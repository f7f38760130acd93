//! `PUT /orgs/{org}/members/{user_id}/role`: admins change other members'
//! roles, never their own. The org's `admin_count` moves in the same
//! transaction, under a condition that keeps at least one admin.

use super::{Caller, Membership, OpError, audit};
use crate::App;
use crate::domain::{Action, Member, OrgSlug, Role, UserId};
use crate::store::attrs::{n, s};
use crate::store::tx::{Expr, update};
use crate::store::{members, orgs};
use serde_json::json;

pub async fn change_role(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    target: &UserId,
    role: Role,
) -> Result<Member, OpError> {
    let membership =
        Membership::load(app, slug, caller, vec![members::member_key(slug, target)]).await?;
    membership.require(Action::ChangeRole)?;
    if *target == caller.user_id {
        return Err(OpError::CannotChangeOwnRole);
    }
    let mut member = membership.member(target)?;
    if member.role == role {
        return Ok(member);
    }
    let delta: i64 = match (member.role, role) {
        (Role::Admin, _) => -1,
        (_, Role::Admin) => 1,
        _ => 0,
    };
    let table = app.store.table();
    let result = app
        .store
        .transact(vec![
            update(
                table,
                members::member_key(slug, target),
                "SET #role = :role",
                Some("#role = :seen"),
                Expr::new()
                    .name("#role", "role")
                    .value(":role", s(role.as_str()))
                    .value(":seen", s(member.role.as_str())),
            ),
            update(
                table,
                orgs::org_key(slug),
                "SET admin_count = admin_count + :delta",
                // No arithmetic in DynamoDB conditions: a demotion needs two admins now.
                Some(if delta < 0 {
                    "admin_count > :one"
                } else {
                    "attribute_exists(pk)"
                }),
                if delta < 0 {
                    Expr::new().value(":delta", n(delta)).value(":one", n(1))
                } else {
                    Expr::new().value(":delta", n(delta))
                },
            ),
            membership.still_authorized(app),
            audit::entry(
                app,
                slug,
                caller,
                "member.role_changed",
                target.as_str(),
                json!({"from": member.role, "to": role}),
            ),
        ])
        .await;
    match result {
        Ok(()) => {
            member.role = role;
            Ok(member)
        }
        Err(err) if err.failed_at(2) => Err(OpError::Forbidden),
        Err(err) if err.failed_at(1) => Err(OpError::LastAdmin),
        // The member left or changed role meanwhile: nothing was applied.
        Err(err) if err.failed_at(0) => Err(OpError::MemberNotFound),
        Err(err) => Err(err.into()),
    }
}
