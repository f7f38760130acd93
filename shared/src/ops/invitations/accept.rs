//! `POST /invitations/accept`: the invitee, logged in with the invited and
//! verified email, turns the link into a membership. One read (invitation,
//! org and the caller's possible membership together), one transaction that
//! consumes the invitation, so a link works once. The invited seat comes
//! with it while one is free; otherwise the invitee joins without one.
//!
//! An invitation to an elevated role (`admin`, `billing_manager`) is only as
//! good as its inviter: the transaction also checks that the inviter is still
//! a member with a role that may grant it ([`granters_of`]), so a demoted or
//! removed admin's invitations cannot be accepted (`inviter_no_longer_allowed`;
//! the invitation stays pending for a current admin to resend). The check
//! rides on the transaction, no extra call; only an invitation stored before
//! the inviter's id was kept costs one read to find it by email.

use super::preview::{Offer, preview_invitation};
use crate::App;
use crate::domain::permissions::granters_of;
use crate::domain::{
    Invitation, InviteLink, MailKind, Member, Org, OutboxMessage, Role, UserId, api_key,
};
use crate::ops::commit::{Audit, commit};
use crate::ops::{Attempt, Caller, OpError, seat_epoch, settle};
use crate::store::rules::{self, Counters};
use crate::store::{Transaction, api_keys, invitations, members, outbox, quotas};
use chrono::{DateTime, Utc};
use serde_json::json;

pub struct Accepted {
    pub org: Org,
    pub role: Role,
    pub seat: bool,
}

pub async fn accept_invitation(
    app: &App,
    caller: &Caller,
    link: InviteLink,
) -> Result<Accepted, OpError> {
    caller.require_person()?;
    settle(|| attempt(app, caller, &link)).await
}

async fn attempt(app: &App, caller: &Caller, link: &InviteLink) -> Attempt<Accepted> {
    // The checks are the preview's: link secret, verified email, expiry, membership.
    let Offer { org, invitation } = preview_invitation(app, caller, link).await?;
    join(app, caller, link, &invitation, org).await
}

/// Who joins, as what, and how the org's counters move.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Joining {
    pub(crate) member: Member,
    pub(crate) with_seat: bool,
    pub(crate) counters: Counters,
}

/// The caller joins with the invited role, and with the invited seat while
/// one is free (otherwise without one); an admin adds to the admin count.
pub(crate) fn joining(
    caller: &Caller,
    invitation: &Invitation,
    org: &Org,
    now: DateTime<Utc>,
) -> Joining {
    let with_seat = invitation.seat && org.has_free_seat();
    let member = Member {
        user_id: caller.user_id.clone(),
        email: caller.email.clone(),
        role: invitation.role,
        seat_assigned_at: with_seat.then_some(now),
        seat_epoch: if with_seat { seat_epoch(now, 0) } else { 0 },
        joined_at: now,
        seat_last_used_at: None,
    };
    let counters = Counters::take_seat()
        .when(with_seat)
        .and(Counters::add_admin().when(member.role == Role::Admin));
    Joining {
        member,
        with_seat,
        counters,
    }
}

/// The membership write: consume the invitation, add the member (with the
/// seat while one is free) and move the org's counters.
async fn join(
    app: &App,
    caller: &Caller,
    link: &InviteLink,
    invitation: &Invitation,
    mut org: Org,
) -> Attempt<Accepted> {
    let now = app.now();
    let Joining {
        member,
        with_seat,
        counters,
    } = joining(caller, invitation, &org, now);
    let mut tx = join_transaction(&org, &member, counters, invitation, link, now);
    if let Some(granters) = granters_of(invitation.role) {
        let inviter = inviter_id(app, invitation)
            .await?
            .ok_or(OpError::InviterNoLongerAllowed)?;
        let check = match api_key::key_id_of(&inviter) {
            // Sent by an API key: the key must still exist with such a role.
            Some(key_id) => api_keys::holds_role(&org.slug, key_id, granters),
            None => members::holds_role(&org.slug, &inviter, granters),
        };
        tx.push("inviter", check);
    }
    if with_seat {
        tx.push("mail", outbox::enqueue(&seat_mail(&org, &member, now)));
    }
    let detail = json!({"email": member.email, "role": member.role, "seat": with_seat});
    let audit = Audit::new("invitation.accepted", caller.user_id.as_str(), detail);
    match commit(app, &member, &org.slug, tx, audit, None).await? {
        Ok(()) => {
            org.seats_used += u32::from(with_seat);
            Ok(Some(Accepted {
                org,
                role: member.role,
                seat: with_seat,
            }))
        }
        // The last free seat went to someone else meanwhile: decide again.
        Err(lost) if with_seat && lost.on("org") => Ok(None),
        Err(lost) if lost.on("invitation") || lost.on("org") => Err(OpError::InvitationNotFound),
        Err(lost) if lost.on("inviter") => Err(OpError::InviterNoLongerAllowed),
        Err(lost) if lost.on("member") || lost.on("email") => Err(OpError::AlreadyMember),
        Err(lost) => Err(lost.into()),
    }
}

/// Consumes the invitation (by the link's secret), adds the member and
/// moves the org's counters; one open invitation fewer for the pending limit.
fn join_transaction(
    org: &Org,
    member: &Member,
    counters: Counters,
    invitation: &Invitation,
    link: &InviteLink,
    now: DateTime<Utc>,
) -> Transaction {
    let [new_member, email] = members::create(&org.slug, member);
    let mut tx = Transaction::new();
    tx.push(
        "invitation",
        invitations::consume(invitation, &link.secret_hash(), now),
    )
    .push("org", rules::counters(&org.slug, counters))
    .push("member", new_member)
    .push("email", email)
    .push(
        "pending",
        quotas::give_back(quotas::org_pending(&org.slug), 1),
    );
    tx
}

fn seat_mail(org: &Org, member: &Member, now: DateTime<Utc>) -> OutboxMessage {
    OutboxMessage::new(
        org.slug.clone(),
        org.name.clone(),
        member.email.clone(),
        MailKind::SeatAssigned,
        now,
    )
}

/// Who sent (or last resent) the invitation: as stored, or for an
/// invitation from before ids were kept, the member with the inviter's
/// address (`None`: no longer a member).
async fn inviter_id(app: &App, invitation: &Invitation) -> Result<Option<UserId>, OpError> {
    match &invitation.invited_by_id {
        Some(id) => Ok(Some(id.clone())),
        None => Ok(app
            .store
            .member_id_by_email(&invitation.org, &invitation.invited_by)
            .await?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::fixtures::{at, email, invitation, org, user};

    fn bob() -> Caller {
        Caller {
            user_id: user("bob"),
            email: email("bob"),
            email_verified: true,
        }
    }

    fn invited(role: Role, seat: bool) -> Invitation {
        Invitation {
            role,
            seat,
            ..invitation("bob", at(0))
        }
    }

    #[test]
    fn the_invitee_joins_with_the_invited_seat_while_one_is_free() {
        let now = at(60);
        let joined = joining(&bob(), &invited(Role::Member, true), &org(2, 3, 1), now);
        assert!(joined.with_seat);
        assert_eq!(joined.member.seat_assigned_at, Some(now));
        assert_eq!(joined.member.seat_epoch, seat_epoch(now, 0));
        assert_eq!(
            (joined.member.role, joined.member.joined_at),
            (Role::Member, now)
        );
        assert_eq!(joined.counters, Counters::take_seat());
    }

    #[test]
    fn without_a_free_seat_the_invitee_joins_without_one() {
        let joined = joining(&bob(), &invited(Role::Member, true), &org(3, 3, 1), at(60));
        assert!(!joined.with_seat);
        assert_eq!(joined.member.seat_assigned_at, None);
        assert_eq!(joined.member.seat_epoch, 0);
        assert_eq!(joined.counters, Counters::NONE);
    }

    #[test]
    fn an_invited_admin_without_a_seat_adds_to_the_admin_count_only() {
        let joined = joining(&bob(), &invited(Role::Admin, false), &org(0, 3, 1), at(60));
        assert!(!joined.with_seat);
        assert_eq!(joined.counters, Counters::add_admin());
        assert_eq!(joined.member.email, email("bob"));
    }
}
