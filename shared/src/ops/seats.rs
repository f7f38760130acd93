//! `PUT` / `DELETE /orgs/{org}/members/{user_id}/seat`: admins and billing
//! managers hand out and take back seats. `seats_used` moves in the same
//! transaction as the member's seat, under `seats_used < seat_limit`, so the
//! limit holds whatever the concurrency. Revoking bumps nothing on tokens: a
//! token is only valid under the seat epoch it was issued with, and the seat
//! (with its epoch) is gone.

use super::{Caller, Membership, OpError, audit, seat_epoch};
use crate::App;
use crate::domain::{Action, MailKind, Member, OrgSlug, OutboxMessage, UserId};
use crate::store::attrs::{n, time};
use crate::store::tx::{Expr, put_new, update};
use crate::store::{members, orgs, outbox};
use serde_json::json;

async fn load_target(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    target: &UserId,
) -> Result<(Membership, Member), OpError> {
    let membership =
        Membership::load(app, slug, caller, vec![members::member_key(slug, target)]).await?;
    membership.require(Action::ManageSeats)?;
    let member = membership.member(target)?;
    Ok((membership, member))
}

pub async fn assign_seat(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    target: &UserId,
) -> Result<Member, OpError> {
    // A new seat sends the seat mail.
    caller.require_verified()?;
    let (membership, mut member) = load_target(app, caller, slug, target).await?;
    if member.has_seat() {
        return Ok(member);
    }
    if !membership.org.has_free_seat() {
        return Err(OpError::NoSeatsAvailable);
    }
    let now = app.now();
    let epoch = seat_epoch(now, member.seat_epoch);
    let table = app.store.table();
    let mail = OutboxMessage::new(
        slug.clone(),
        membership.org.name.clone(),
        member.email.clone(),
        MailKind::SeatAssigned,
        now,
    );
    let result = app
        .store
        .transact(vec![
            update(
                table,
                members::member_key(slug, target),
                "SET seat_assigned_at = :at, seat_epoch = :epoch",
                Some("attribute_exists(pk) AND attribute_not_exists(seat_assigned_at)"),
                Expr::new()
                    .value(":at", time(now))
                    .value(":epoch", n(epoch)),
            ),
            update(
                table,
                orgs::org_key(slug),
                "SET seats_used = seats_used + :one",
                Some("seats_used < seat_limit"),
                Expr::new().value(":one", n(1)),
            ),
            membership.still_authorized(app),
            audit::entry(
                app,
                slug,
                caller,
                "seat.assigned",
                target.as_str(),
                json!({"email": member.email}),
            ),
            put_new(table, outbox::to_item(&mail)),
        ])
        .await;
    match result {
        Ok(()) => {
            member.seat_assigned_at = Some(now);
            member.seat_epoch = epoch;
            Ok(member)
        }
        Err(err) if err.failed_at(2) => Err(OpError::Forbidden),
        // Seated concurrently by someone else, or gone: answer with what is stored.
        Err(err) if err.failed_at(0) => app
            .store
            .get(members::member_key(slug, target))
            .await?
            .map(|item| members::from_item(&item))
            .transpose()?
            .ok_or(OpError::MemberNotFound),
        Err(err) if err.failed_at(1) => Err(OpError::NoSeatsAvailable),
        Err(err) => Err(err.into()),
    }
}

pub async fn revoke_seat(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    target: &UserId,
) -> Result<(), OpError> {
    let (membership, member) = load_target(app, caller, slug, target).await?;
    if !member.has_seat() {
        return Ok(());
    }
    let table = app.store.table();
    let result = app
        .store
        .transact(vec![
            update(
                table,
                members::member_key(slug, target),
                "REMOVE seat_assigned_at",
                Some("attribute_exists(seat_assigned_at)"),
                Expr::new(),
            ),
            update(
                table,
                orgs::org_key(slug),
                "SET seats_used = seats_used - :one",
                Some("seats_used >= :one"),
                Expr::new().value(":one", n(1)),
            ),
            membership.still_authorized(app),
            audit::entry(
                app,
                slug,
                caller,
                "seat.revoked",
                target.as_str(),
                json!({"email": member.email}),
            ),
        ])
        .await;
    match result {
        Ok(()) => Ok(()),
        Err(err) if err.failed_at(2) => Err(OpError::Forbidden),
        // Revoked concurrently (or the member left): the seat is free either way.
        Err(err) if err.failed_at(0) => Ok(()),
        Err(err) => Err(err.into()),
    }
}
