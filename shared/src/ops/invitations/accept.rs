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

use crate::ops::commit::{Audit, commit};
use super::preview::{Offer, preview_invitation};
use crate::ops::{Caller, OpError, seat_epoch, settle};
use crate::App;
use crate::domain::permissions::granters_of;
use crate::domain::{Invitation, InviteLink, MailKind, Member, Org, OutboxMessage, Role, UserId};
use crate::store::rules::{Counters, counters};
use crate::store::{Transaction, invitations, members, outbox, quotas};
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
    settle(|| attempt(app, caller, &link)).await
}

async fn attempt(
    app: &App,
    caller: &Caller,
    link: &InviteLink,
) -> Result<Option<Accepted>, OpError> {
    // The checks are the preview's: link secret, verified email, expiry, membership.
    let Offer { org, invitation } = preview_invitation(app, caller, link).await?;
    join(app, caller, link, &invitation, org).await
}

/// The membership write: consume the invitation, add the member (with the
/// seat while one is free) and move the org's counters.
async fn join(
    app: &App,
    caller: &Caller,
    link: &InviteLink,
    invitation: &Invitation,
    mut org: Org,
) -> Result<Option<Accepted>, OpError> {
    let now = app.now();
    let with_seat = invitation.seat && org.has_free_seat();
    let member = Member {
        user_id: caller.user_id.clone(),
        email: caller.email.clone(),
        role: invitation.role,
        seat_assigned_at: with_seat.then_some(now),
        seat_epoch: if with_seat { seat_epoch(now, 0) } else { 0 },
        joined_at: now,
    };
    let change = Counters::take_seat()
        .when(with_seat)
        .and(Counters::add_admin().when(member.role == Role::Admin));
    let [new_member, email] = members::create(&org.slug, &member);
    let mut tx = Transaction::new();
    tx.push(
        "invitation",
        invitations::consume(invitation, &link.secret_hash(), now),
    )
    .push("org", counters(&org.slug, change))
    .push("member", new_member)
    .push("email", email)
    // One open invitation fewer for the pending limit.
    .push(
        "pending",
        quotas::give_back(quotas::org_pending(&org.slug), 1),
    );
    if let Some(granters) = granters_of(invitation.role) {
        let inviter = inviter_id(app, invitation)
            .await?
            .ok_or(OpError::InviterNoLongerAllowed)?;
        tx.push(
            "inviter",
            members::holds_role(&org.slug, &inviter, granters),
        );
    }
    if with_seat {
        let mail = OutboxMessage::new(
            org.slug.clone(),
            org.name.clone(),
            member.email.clone(),
            MailKind::SeatAssigned,
            now,
        );
        tx.push("mail", outbox::enqueue(&mail));
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
