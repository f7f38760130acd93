//! `POST /orgs/{org}/invitations/{id}/resend`: a pending or expired
//! invitation gets seven more days and a new email. Its old link dies at once:
//! the stored hash is cleared and the generation moves on, so only the new
//! mail can mint the next link. An address the org suppressed (it bounced
//! for good, or its owner complained) is refused until an admin clears it.

use super::pipeline::decide::next_generation;
use super::pipeline::write::invitation_mail;
use super::revoke::InvitationRef;
use crate::App;
use crate::domain::invitation::expires_at;
use crate::domain::limits::secs_until;
use crate::domain::time::rfc3339;
use crate::domain::{Action, EmailStatus, Invitation, Limit, LimitExceeded, Member, OrgName};
use crate::ops::commit::Audit;
use crate::ops::quota::Daily;
use crate::ops::{Caller, Membership, OpError};
use crate::store::{Reads, Transaction, invitations, outbox, quotas};
use chrono::{DateTime, Utc};
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
    let membership =
        Membership::authorize(app, slug, caller, reads, Action::ManageInvitations).await?;
    let current = membership
        .found
        .invitation(&email)
        .cloned()
        .ok_or(OpError::InvitationNotFound)?;
    if membership.found.suppression(&email).is_some() {
        return Err(OpError::EmailSuppressed);
    }
    let now = app.now();
    let limits = app.config.limits;
    let renewed = renewal(
        &current,
        &membership.caller,
        now,
        limits.resend_cooldown_secs,
    )
    .map(|renewed| Invitation {
        remind_at: membership.org.invitation_reminder_day.remind_at(now),
        ..renewed
    })
    .map_err(OpError::LimitExceeded)?;
    let daily = Daily {
        limit: Limit::InvitationsPerOrgPerDay,
        max: limits.invitations_per_org_per_day,
        now,
    };
    let tx = resend_writes(&renewed, current.generation, &membership.org.name, &daily)?;
    let detail = json!({"id": input.id.as_str(), "expires_at": rfc3339(renewed.expires_at)});
    let audit = Audit::new("invitation.resent", email.as_str(), detail);
    match membership.commit(app, tx, audit).await? {
        Ok(()) => Ok(renewed),
        // Accepted, revoked or resent by someone else in the meantime.
        Err(lost) if lost.on("invitation") => Err(OpError::InvitationNotFound),
        Err(lost) if lost.on("invites_today") => Err(daily.refusal()),
        Err(lost) => Err(lost.into()),
    }
}

/// The renewed invitation (over `generation`), its new mail from `org_name`
/// and one of the org's daily invitations.
fn resend_writes(
    renewed: &Invitation,
    generation: u64,
    org_name: &OrgName,
    daily: &Daily,
) -> Result<Transaction, OpError> {
    let now = daily.now;
    let mut tx = Transaction::new();
    tx.push("invitation", invitations::renew(renewed, generation))
        .push(
            "mail",
            outbox::enqueue(&invitation_mail(renewed, org_name, now)),
        )
        .push(
            "invites_today",
            daily.take_one(quotas::org_invites_today(&renewed.org, now))?,
        );
    Ok(tx)
}

/// `current` renewed by `resender` at `now`: seven more days, the next
/// generation, no link until its new mail mints one (and no reminder: the
/// caller sets the org's). Refused inside the
/// cooldown of its last mail (queued when the current expiry was set): one
/// mail per invitation per cooldown.
pub(crate) fn renewal(
    current: &Invitation,
    resender: &Member,
    now: DateTime<Utc>,
    cooldown_secs: u32,
) -> Result<Invitation, LimitExceeded> {
    let next_allowed = current.cooldown_end(cooldown_secs);
    if now < next_allowed {
        return Err(LimitExceeded {
            limit: Limit::ResendCooldown,
            max: cooldown_secs,
            retry_after_secs: secs_until(now, next_allowed),
        });
    }
    // `created_at` stays: it is when the person was first invited.
    Ok(Invitation {
        expires_at: expires_at(now),
        generation: next_generation(now, Some(current.generation)),
        token_hash: None,
        reminder_hash: None,
        remind_at: None,
        email_status: EmailStatus::Queued,
        // As stored on the resender's membership, not as claimed today.
        invited_by: resender.email.clone(),
        invited_by_id: Some(resender.user_id.clone()),
        ..current.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Role, SecretHash};
    use crate::ops::fixtures::{at, invitation, member};

    #[test]
    fn a_resend_inside_the_cooldown_is_refused_with_the_wait_left() {
        let current = invitation("bob", at(0));
        let refused = renewal(
            &current,
            &member("carol", Role::Admin, false),
            at(3_000),
            3_600,
        )
        .expect_err("inside the cooldown");
        assert_eq!(refused.limit, Limit::ResendCooldown);
        assert_eq!((refused.max, refused.retry_after_secs), (3_600, 600));
    }

    #[test]
    fn a_resend_after_the_cooldown_renews_in_the_resenders_name_and_kills_the_old_link() {
        let current = Invitation {
            token_hash: Some(SecretHash::of("old link")),
            reminder_hash: Some(SecretHash::of("old reminder link")),
            ..invitation("bob", at(0))
        };
        let carol = member("carol", Role::Admin, false);
        let now = at(3_600);
        let renewed = renewal(&current, &carol, now, 3_600).expect("past the cooldown");
        assert_eq!(renewed.expires_at, expires_at(now));
        assert!(renewed.generation > current.generation);
        assert_eq!(renewed.token_hash, None);
        assert_eq!(
            renewed.reminder_hash, None,
            "the old reminder's link dies too"
        );
        assert_eq!(renewed.email_status, EmailStatus::Queued);
        assert_eq!(renewed.invited_by, carol.email);
        assert_eq!(renewed.invited_by_id, Some(carol.user_id));
        assert_eq!(renewed.created_at, current.created_at, "first invited then");
        assert_eq!(renewed.email, current.email);
    }
}
