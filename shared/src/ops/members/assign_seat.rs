//! `PUT /orgs/{org}/members/{user_id}/seat`: admins and billing managers hand
//! out seats (to themselves too). The seat and `seats_used` move together
//! under the seat limit ([`crate::store::rules::take_seat`]), so the limit
//! holds whatever the concurrency; the member is mailed.
//!
//! Seat mails are held to the same limits as invitation mails: each counts
//! against the org's daily mail counter (`invitations_per_org_per_day`; a
//! full day refuses the assignment with `429`), and a member gets at most
//! one per `resend_cooldown`: an assignment inside it hands out the seat
//! without a mail, so an assign/revoke loop cannot flood anyone's inbox. The
//! counter and the member's last seat-mail time ride on the authorizing read
//! and move in the seat's transaction (no extra call).

use crate::ops::commit::Audit;
use crate::ops::{Caller, MemberTarget, Membership, OpError, seat_epoch, settle};
use crate::App;
use crate::domain::invitation::cooldown_end;
use crate::domain::{Action, Limit, MailKind, Member, OutboxMessage};
use crate::store::rules::{take_seat, take_seat_and_mail};
use crate::store::{Reads, Transaction, outbox, quotas};
use chrono::Duration;
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
    let now = app.now();
    let today = quotas::org_invites_today(slug, now);
    let reads = Reads::new().member(slug, user).quota(today.clone());
    let membership = Membership::load(app, slug, caller, reads).await?;
    membership.require(Action::ManageSeats)?;
    let mut member = membership.member(user)?;
    if member.has_seat() {
        return Ok(Some(member));
    }
    if !membership.org.has_free_seat() {
        return Err(OpError::NoSeatsAvailable);
    }
    let limits = app.config.limits;
    let mail = membership
        .found
        .seat_mailed_at(user)
        .is_none_or(|at| now >= cooldown_end(at, limits.resend_cooldown_secs));
    let max = limits.invitations_per_org_per_day;
    let over_daily = || {
        OpError::LimitExceeded(quotas::daily_refusal(
            Limit::InvitationsPerOrgPerDay,
            max,
            now,
        ))
    };
    let epoch = seat_epoch(now, member.seat_epoch);
    let mut tx = Transaction::new();
    if mail {
        if membership.found.quota_used(&today) >= i64::from(max) {
            return Err(over_daily());
        }
        let daily = quotas::take(today, 1, max, quotas::daily(now)).ok_or_else(over_daily)?;
        let mailed_before = now - Duration::seconds(i64::from(limits.resend_cooldown_secs));
        let (seat, counter) = take_seat_and_mail(slug, user, now, epoch, mailed_before);
        let message = OutboxMessage::new(
            slug.clone(),
            membership.org.name.clone(),
            member.email.clone(),
            MailKind::SeatAssigned,
            now,
        );
        tx.push("member", seat)
            .push("seat_limit", counter)
            .push("mail", outbox::enqueue(&message))
            .push("mails_today", daily);
    } else {
        let (seat, counter) = take_seat(slug, user, now, epoch);
        tx.push("member", seat).push("seat_limit", counter);
    }
    let audit = Audit::new(
        "seat.assigned",
        user.as_str(),
        json!({"email": member.email, "mailed": mail}),
    );
    match membership.commit(app, tx, audit).await? {
        Ok(()) => {
            member.seat_assigned_at = Some(now);
            member.seat_epoch = epoch;
            Ok(Some(member))
        }
        // Seated or gone meanwhile, mailed by a concurrent assignment, or (on
        // oneself) the role moved: read again.
        Err(lost) if lost.on("member") => Ok(None),
        Err(lost) if lost.on("seat_limit") => Err(OpError::NoSeatsAvailable),
        Err(lost) if lost.on("mails_today") => Err(over_daily()),
        Err(lost) => Err(lost.into()),
    }
}
