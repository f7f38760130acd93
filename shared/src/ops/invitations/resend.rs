//! `POST /orgs/{org}/invitations/{id}/resend`: a pending or expired
//! invitation gets seven more days and a new email. Its old link dies at once:
//! the stored hash is cleared and the generation moves on, so only the new
//! mail can mint the next link. An address the org suppressed (it bounced
//! for good, or its owner complained) is refused until an admin clears it.

use crate::ops::commit::Audit;
use super::pipeline::decide::next_generation;
use super::pipeline::write::invitation_mail;
use super::revoke::InvitationRef;
use crate::ops::{Caller, Membership, OpError};
use crate::App;
use crate::domain::invitation::expires_at;
use crate::domain::limits::secs_until;
use crate::domain::time::rfc3339;
use crate::domain::{Action, EmailStatus, Invitation, Limit, LimitExceeded};
use crate::store::{Reads, Transaction, invitations, outbox, quotas};
use serde_json::json;

pub async fn resend_invitation(
    app: &App,
    caller: &Caller,
    input: InvitationRef,
) -> Result<Invitation, OpError> {
    caller.require_verified()?;
    let (slug, email) = (&input.org, input.id.email());
    // The suppression rides on the authorizing read: no extra call.
    let reads = Reads::new()
        .invitation(slug, &email)
        .suppression(slug, &email);
    let membership = Membership::load(app, slug, caller, reads).await?;
    membership.require(Action::ManageInvitations)?;
    let current = membership
        .found
        .invitation(&email)
        .cloned()
        .ok_or(OpError::InvitationNotFound)?;
    if membership.found.suppression(&email).is_some() {
        return Err(OpError::EmailSuppressed);
    }
    let now = app.now();
    // One mail per invitation per cooldown: the last one went out when the
    // current expiry was set.
    let limits = app.config.limits;
    let next_allowed = current.cooldown_end(limits.resend_cooldown_secs);
    if now < next_allowed {
        return Err(OpError::LimitExceeded(LimitExceeded {
            limit: Limit::ResendCooldown,
            max: limits.resend_cooldown_secs,
            retry_after_secs: secs_until(now, next_allowed),
        }));
    }
    let over_daily = || {
        OpError::LimitExceeded(quotas::daily_refusal(
            Limit::InvitationsPerOrgPerDay,
            limits.invitations_per_org_per_day,
            now,
        ))
    };
    let daily_quota = quotas::take(
        quotas::org_invites_today(slug, now),
        1,
        limits.invitations_per_org_per_day,
        quotas::daily(now),
    )
    .ok_or_else(over_daily)?;
    // `created_at` stays: it is when the person was first invited.
    let renewed = Invitation {
        expires_at: expires_at(now),
        generation: next_generation(now, Some(current.generation)),
        token_hash: None,
        email_status: EmailStatus::Queued,
        // As stored on the resender's membership, not as claimed today.
        invited_by: membership.caller.email.clone(),
        invited_by_id: Some(membership.caller.user_id.clone()),
        ..current.clone()
    };
    let mail = invitation_mail(&renewed, &membership.org.name, now);
    let mut tx = Transaction::new();
    tx.push(
        "invitation",
        invitations::renew(&renewed, current.generation),
    )
    .push("mail", outbox::enqueue(&mail))
    .push("invites_today", daily_quota);
    let detail = json!({"id": input.id.as_str(), "expires_at": rfc3339(renewed.expires_at)});
    let audit = Audit::new("invitation.resent", email.as_str(), detail);
    match membership.commit(app, tx, audit).await? {
        Ok(()) => Ok(renewed),
        // Accepted, revoked or resent by someone else in the meantime.
        Err(lost) if lost.on("invitation") => Err(OpError::InvitationNotFound),
        Err(lost) if lost.on("invites_today") => Err(over_daily()),
        Err(lost) => Err(lost.into()),
    }
}
