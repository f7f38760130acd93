//! `DELETE /orgs/{org}/members/{user_id}`: admins remove members; anyone
//! leaves. The seat is freed and the admin count kept honest in the same
//! transaction; the last admin can neither leave nor be removed. Tokens die
//! with the membership: introspection finds no member.

use super::{Caller, Membership, OpError, audit};
use crate::App;
use crate::domain::{Action, OrgSlug, Role, UserId};
use crate::store::attrs::{n, s};
use crate::store::tx::{Expr, delete, update};
use crate::store::{members, orgs};
use serde_json::json;

/// A concurrent change to the member (role, seat) between our read and write
/// makes the write's condition fail; the operation is then re-read and retried.
const ATTEMPTS: usize = 3;

pub async fn remove_member(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    target: &UserId,
) -> Result<(), OpError> {
    for _ in 1..ATTEMPTS {
        if let Some(done) = attempt(app, caller, slug, target).await? {
            return Ok(done);
        }
    }
    attempt(app, caller, slug, target)
        .await?
        .ok_or(OpError::Unavailable("the member kept changing".into()))
}

async fn attempt(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    target: &UserId,
) -> Result<Option<()>, OpError> {
    let leaving = *target == caller.user_id;
    let membership =
        Membership::load(app, slug, caller, vec![members::member_key(slug, target)]).await?;
    if !leaving {
        membership.require(Action::RemoveOtherMember)?;
    }
    let member = membership.member(target)?;
    let was_admin = member.role == Role::Admin;
    if was_admin && membership.org.admin_count <= 1 {
        return Err(OpError::LastAdmin);
    }
    let table = app.store.table();
    let mut actions = vec![
        delete(
            table,
            members::member_key(slug, target),
            Some(if member.has_seat() {
                "#role = :role AND attribute_exists(seat_assigned_at)"
            } else {
                "#role = :role AND attribute_exists(pk) AND attribute_not_exists(seat_assigned_at)"
            }),
            Expr::new()
                .name("#role", "role")
                .value(":role", s(member.role.as_str())),
        ),
        update(
            table,
            orgs::org_key(slug),
            "SET admin_count = admin_count - :admins, seats_used = seats_used - :seats",
            // No arithmetic in DynamoDB conditions: removing an admin needs two now.
            Some(if was_admin {
                "admin_count > :one"
            } else {
                "attribute_exists(pk)"
            }),
            if was_admin {
                Expr::new()
                    .value(":admins", n(1))
                    .value(":seats", n(u8::from(member.has_seat())))
                    .value(":one", n(1))
            } else {
                Expr::new()
                    .value(":admins", n(0))
                    .value(":seats", n(u8::from(member.has_seat())))
            },
        ),
        delete(
            table,
            members::member_email_key(slug, &member.email),
            None,
            Expr::new(),
        ),
        audit::entry(
            app,
            slug,
            caller,
            if leaving {
                "member.left"
            } else {
                "member.removed"
            },
            target.as_str(),
            json!({"email": member.email, "role": member.role, "had_seat": member.has_seat()}),
        ),
    ];
    if !leaving {
        actions.push(membership.still_authorized(app));
    }
    match app.store.transact(actions).await {
        Ok(()) => Ok(Some(())),
        Err(err) if err.failed_at(4) => Err(OpError::Forbidden),
        Err(err) if err.failed_at(1) => Err(OpError::LastAdmin),
        // Gone already, or their role or seat changed meanwhile: read again.
        Err(err) if err.failed_at(0) => Ok(None),
        Err(err) => Err(err.into()),
    }
}
