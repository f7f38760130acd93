//! `POST /orgs/{org}/invitations/{id}/resend`: a pending or expired
//! invitation gets seven more days and a new email. Its old link dies at once:
//! the stored hash is cleared and the generation moves on, so only the new
//! mail can mint the next link.

use super::invite_members::next_generation;
use super::{Caller, Membership, OpError, audit};
use crate::App;
use crate::domain::invitation::{INVITATION_LIFETIME, expires_at};
use crate::domain::limits::secs_until;
use crate::domain::{
    Action, EmailStatus, Invitation, InvitationId, MailKind, OrgSlug, OutboxMessage,
};
use crate::domain::{Limit, LimitExceeded};
use crate::store::attrs::n;
use crate::store::keys::invitation_sk;
use crate::store::tx::{Expr, put, put_new};
use crate::store::{invitations, outbox, quotas};
use serde_json::json;

pub async fn resend_invitation(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    id: &InvitationId,
) -> Result<Invitation, OpError> {
    caller.require_verified()?;
    let email = id.email();
    let membership = Membership::load(
        app,
        slug,
        caller,
        vec![invitations::invitation_key(slug, &email)],
    )
    .await?;
    membership.require(Action::ManageInvitations)?;
    let current = membership
        .extra_with_sk(&invitation_sk(&email))
        .map(invitations::from_item)
        .transpose()?
        .ok_or(OpError::InvitationNotFound)?;

    let now = app.now();
    // One mail per invitation per cooldown: the last one went out when the
    // current expiry was set.
    let limits = app.config.limits;
    let next_allowed = current.expires_at - INVITATION_LIFETIME
        + chrono::Duration::seconds(i64::from(limits.resend_cooldown_secs));
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
        app.store.table(),
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
        ..current.clone()
    };
    let mail = OutboxMessage::new(
        slug.clone(),
        membership.org.name.clone(),
        renewed.email.clone(),
        MailKind::Invitation {
            invited_by: renewed.invited_by.clone(),
            generation: renewed.generation,
            expires_at: renewed.expires_at,
        },
        now,
    );
    let table = app.store.table();
    let result = app
        .store
        .transact(vec![
            put(
                table,
                invitations::to_item(&renewed),
                Some("generation = :seen"),
                Expr::new().value(":seen", n(current.generation)),
            ),
            put_new(table, outbox::to_item(&mail)),
            membership.still_authorized(app),
            audit::entry(
                app,
                slug,
                caller,
                "invitation.resent",
                renewed.email.as_str(),
                json!({"id": id.as_str(), "expires_at": crate::http::views::time(renewed.expires_at)}),
            ),
            daily_quota,
        ])
        .await;
    match result {
        Ok(()) => Ok(renewed),
        // Accepted, revoked or resent by someone else in the meantime.
        Err(err) if err.failed_at(0) => Err(OpError::InvitationNotFound),
        Err(err) if err.failed_at(2) => Err(OpError::Forbidden),
        Err(err) if err.failed_at(4) => Err(over_daily()),
        Err(err) => Err(err.into()),
    }
}
