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

use crate::App;
use crate::domain::invitation::cooldown_end;
use crate::domain::{Action, Limit, Limits, MailKind, Member, Org, OutboxMessage};
use crate::ops::commit::Audit;
use crate::ops::quota::Daily;
use crate::ops::{Attempt, Caller, MemberTarget, Membership, OpError, seat_epoch, settle};
use crate::store::rules::{take_seat, take_seat_and_mail};
use crate::store::{Item, Reads, Transaction, outbox, quotas};
use chrono::{DateTime, Duration, Utc};
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

async fn attempt(app: &App, caller: &Caller, target: &MemberTarget) -> Attempt<Member> {
    let MemberTarget { org: slug, user } = target;
    let now = app.now();
    let today = quotas::org_invites_today(slug, now);
    let reads = Reads::new().member(slug, user).quota(today.clone());
    let membership = Membership::authorize(app, slug, caller, reads, Action::ManageSeats).await?;
    let mut member = membership.member(user)?;
    let limits = app.config.limits;
    let seat = SeatRequest {
        mailed_at: membership.found.seat_mailed_at(user),
        mails_today: membership.found.quota_used(&today),
        now,
    };
    let SeatPlan::Assign { mail } = seat.plan(&member, &membership.org, &limits)? else {
        return Ok(Some(member));
    };
    let epoch = seat_epoch(now, member.seat_epoch);
    let daily = seat.daily(&limits);
    let tx = seat_transaction(
        &membership,
        &member,
        epoch,
        mail.then_some(today),
        &seat,
        &limits,
    )?;
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
        Err(lost) if lost.on("mails_today") => Err(daily.refusal()),
        Err(lost) => Err(lost.into()),
    }
}

/// What assigning a seat comes to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SeatPlan {
    /// The member has a seat: nothing to write.
    AlreadySeated,
    /// Take a seat, mailing the member or not.
    Assign { mail: bool },
}

/// What the authorizing read found about the seat mail, at `now`.
pub(crate) struct SeatRequest {
    /// When the member was last mailed about a seat.
    pub(crate) mailed_at: Option<DateTime<Utc>>,
    /// The org's mails today (its daily mail counter).
    pub(crate) mails_today: i64,
    pub(crate) now: DateTime<Utc>,
}

impl SeatRequest {
    /// A seated member keeps their seat; otherwise one must be free. The
    /// seat mail goes out unless the member was mailed one inside the
    /// cooldown, and then only while the org's daily mail counter has room.
    pub(crate) fn plan(
        &self,
        member: &Member,
        org: &Org,
        limits: &Limits,
    ) -> Result<SeatPlan, OpError> {
        if member.has_seat() {
            return Ok(SeatPlan::AlreadySeated);
        }
        if !org.has_free_seat() {
            return Err(OpError::NoSeatsAvailable);
        }
        let mail = self
            .mailed_at
            .is_none_or(|at| self.now >= cooldown_end(at, limits.resend_cooldown_secs));
        if mail && self.mails_today >= i64::from(limits.invitations_per_org_per_day) {
            return Err(self.daily(limits).refusal());
        }
        Ok(SeatPlan::Assign { mail })
    }

    fn daily(&self, limits: &Limits) -> Daily {
        Daily {
            limit: Limit::InvitationsPerOrgPerDay,
            max: limits.invitations_per_org_per_day,
            now: self.now,
        }
    }
}

/// The seat and `seats_used` under the seat limit; with `mail_counter` (the
/// org's daily mail counter), also the seat mail, the counter and the
/// member's seat-mail time, on condition that no other seat mail went out
/// inside the cooldown.
fn seat_transaction(
    membership: &Membership,
    member: &Member,
    epoch: u64,
    mail_counter: Option<Item>,
    seat: &SeatRequest,
    limits: &Limits,
) -> Result<Transaction, OpError> {
    let (slug, user, now) = (&membership.org.slug, &member.user_id, seat.now);
    let mut tx = Transaction::new();
    let Some(counter) = mail_counter else {
        let (seat, counter) = take_seat(slug, user, now, epoch);
        tx.push("member", seat).push("seat_limit", counter);
        return Ok(tx);
    };
    let daily = seat.daily(limits).take_one(counter)?;
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
    Ok(tx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;
    use crate::ops::fixtures::{at, member, org};

    fn limits() -> Limits {
        Limits {
            invitations_per_org_per_day: 10,
            resend_cooldown_secs: 3_600,
            ..Limits::default()
        }
    }

    fn request(mailed_at: Option<i64>, mails_today: i64, now: i64) -> SeatRequest {
        SeatRequest {
            mailed_at: mailed_at.map(at),
            mails_today,
            now: at(now),
        }
    }

    fn plan(seated: bool, org: Org, seat: SeatRequest) -> Result<SeatPlan, OpError> {
        seat.plan(&member("bob", Role::Member, seated), &org, &limits())
    }

    #[test]
    fn a_seated_member_keeps_the_seat_even_in_a_full_org() {
        let plan = plan(true, org(3, 3, 1), request(None, 10, 0));
        assert_eq!(plan.unwrap(), SeatPlan::AlreadySeated);
    }

    #[test]
    fn no_free_seat_is_no_seats_available() {
        let plan = plan(false, org(3, 3, 1), request(None, 0, 0));
        assert!(matches!(plan, Err(OpError::NoSeatsAvailable)));
    }

    #[test]
    fn the_seat_mail_goes_out_once_per_cooldown() {
        let first = plan(false, org(1, 3, 1), request(None, 0, 0)).unwrap();
        assert_eq!(first, SeatPlan::Assign { mail: true });
        let inside = plan(false, org(1, 3, 1), request(Some(0), 0, 3_599)).unwrap();
        assert_eq!(inside, SeatPlan::Assign { mail: false });
        let after = plan(false, org(1, 3, 1), request(Some(0), 0, 3_600)).unwrap();
        assert_eq!(after, SeatPlan::Assign { mail: true });
    }

    #[test]
    fn a_full_day_of_mails_refuses_a_mailed_seat_but_not_an_unmailed_one() {
        let refused = plan(false, org(1, 3, 1), request(None, 10, 0));
        let Err(OpError::LimitExceeded(over)) = refused else {
            panic!("refused: {refused:?}");
        };
        assert_eq!((over.limit, over.max), (Limit::InvitationsPerOrgPerDay, 10));
        let quiet = plan(false, org(1, 3, 1), request(Some(0), 10, 60)).unwrap();
        assert_eq!(quiet, SeatPlan::Assign { mail: false });
    }
}
