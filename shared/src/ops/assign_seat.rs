//! `PUT /orgs/{org}/members/{user_id}/seat`: admins and billing managers hand
//! out seats (to themselves too). The seat and `seats_used` move together
//! under the seat limit ([`crate::store::rules::take_seat`]), so the limit
//! holds whatever the concurrency; the member is mailed.

use super::commit::Audit;
use super::{Caller, MemberTarget, Membership, OpError, seat_epoch, settle};
use crate::App;
use crate::domain::{Action, MailKind, Member, OutboxMessage};
use crate::store::rules::take_seat;
use crate::store::{Reads, Transaction, outbox};
use serde_json::json;

pub async fn assign_seat(
    app: &App,
    caller: &Caller,
    target: MemberTarget,
) -> Result<Member, OpError> {
    // A new seat sends the seat mail.
    caller.require_verified()?;
    settle(|| attempt(app, caller, &target)).await
}

async fn attempt(
    app: &App,
    caller: &Caller,
    target: &MemberTarget,
) -> Result<Option<Member>, OpError> {
    let MemberTarget { org: slug, user } = target;
    let membership = Membership::load(app, slug, caller, Reads::new().member(slug, user)).await?;
    membership.require(Action::ManageSeats)?;
    let mut member = membership.member(user)?;
    if member.has_seat() {
        return Ok(Some(member));
    }
    if !membership.org.has_free_seat() {
        return Err(OpError::NoSeatsAvailable);
    }
    let now = app.now();
    let epoch = seat_epoch(now, member.seat_epoch);
    let mail = OutboxMessage::new(
        slug.clone(),
        membership.org.name.clone(),
        member.email.clone(),
        MailKind::SeatAssigned,
        now,
    );
    let (seat, counter) = take_seat(slug, user, now, epoch);
    let mut tx = Transaction::new();
    tx.push("member", seat)
        .push("seat_limit", counter)
        .push("mail", outbox::enqueue(&mail));
    let audit = Audit::new(
        "seat.assigned",
        user.as_str(),
        json!({"email": member.email}),
    );
    match membership.commit(app, tx, audit).await? {
        Ok(()) => {
            member.seat_assigned_at = Some(now);
            member.seat_epoch = epoch;
            Ok(Some(member))
        }
        // Seated or gone meanwhile, or (on oneself) the role moved: read again.
        Err(lost) if lost.on("member") => Ok(None),
        Err(lost) if lost.on("seat_limit") => Err(OpError::NoSeatsAvailable),
        Err(lost) => Err(lost.into()),
    }
}
