//! `POST /orgs/{org}/invitations/{id}/resend`: a pending or expired
//! invitation gets seven more days and a new email. Its old link dies at once:
//! the stored hash is cleared and the generation moves on, so only the new
//! mail can mint the next link.

use super::commit::Audit;
use super::invite_members::{invitation_mail, next_generation};
use super::revoke_invitation::InvitationRef;
use super::{Caller, Membership, OpError};
use crate::App;
use crate::domain::invitation::expires_at;
use crate::domain::time::rfc3339;
use crate::domain::{Action, EmailStatus, Invitation};
use crate::store::{Reads, Transaction, invitations, outbox};
use serde_json::json;

pub async fn resend_invitation(
    app: &App,
    caller: &Caller,
    input: InvitationRef,
) -> Result<Invitation, OpError> {
    let (slug, email) = (&input.org, input.id.email());
    let membership =
        Membership::load(app, slug, caller, Reads::new().invitation(slug, &email)).await?;
    membership.require(Action::ManageInvitations)?;
    let current = membership
        .found
        .invitation(&email)
        .cloned()
        .ok_or(OpError::InvitationNotFound)?;
    let now = app.now();
    // `created_at` stays: it is when the person was first invited.
    let renewed = Invitation {
        expires_at: expires_at(now),
        generation: next_generation(now, Some(current.generation)),
        token_hash: None,
        email_status: EmailStatus::Queued,
        invited_by: caller.email.clone(),
        ..current.clone()
    };
    let mail = invitation_mail(&renewed, &membership.org.name, now);
    let mut tx = Transaction::new();
    tx.push(
        "invitation",
        invitations::renew(&renewed, current.generation),
    )
    .push("mail", outbox::enqueue(&mail));
    let detail = json!({"id": input.id.as_str(), "expires_at": rfc3339(renewed.expires_at)});
    let audit = Audit::new("invitation.resent", email.as_str(), detail);
    match membership.commit(app, caller, tx, audit).await? {
        Ok(()) => Ok(renewed),
        // Accepted, revoked or resent by someone else in the meantime.
        Err(lost) if lost.on("invitation") => Err(OpError::InvitationNotFound),
        Err(lost) => Err(lost.into()),
    }
}
