//! `DELETE /orgs/{org}/invitations/{id}`: the invitation and its link are gone
//! at once; the audit log keeps the story. Revoked less than the
//! `resend_cooldown` after its last mail, the invitation leaves a revoked
//! marker until the cooldown ends ([`invitations::revoked`]), so inviting
//! the address again answers `cooldown` instead of mailing it again: a
//! revoke/invite loop mails an address once per cooldown, as resends do.

use crate::App;
use crate::domain::{Action, InvitationId, OrgSlug};
use crate::ops::commit::Audit;
use crate::ops::{Caller, Membership, OpError};
use crate::store::{Reads, Transaction, invitations, quotas};
use serde_json::json;

pub struct InvitationRef {
    pub org: OrgSlug,
    pub id: InvitationId,
}

pub async fn revoke_invitation(
    app: &App,
    caller: &Caller,
    input: InvitationRef,
) -> Result<(), OpError> {
    let (slug, email) = (&input.org, input.id.email());
    let reads = Reads::new().invitation(slug, &email);
    let membership =
        Membership::authorize(app, slug, caller, reads, Action::ManageInvitations).await?;
    let Some(invitation) = membership.found.invitation(&email) else {
        return Err(OpError::InvitationNotFound);
    };
    let cooldown_end = invitation.cooldown_end(app.config.limits.resend_cooldown_secs);
    let revoke = if app.now() < cooldown_end {
        invitations::revoked(slug, &email, cooldown_end)
    } else {
        invitations::revoke(slug, &email)
    };
    let mut tx = Transaction::new();
    tx.push("invitation", revoke)
        // One open invitation fewer for the pending limit.
        .push("pending", quotas::give_back(quotas::org_pending(slug), 1));
    let audit = Audit::new(
        "invitation.revoked",
        email.as_str(),
        json!({"id": input.id.as_str()}),
    );
    match membership.commit(app, tx, audit).await? {
        Ok(()) => Ok(()),
        Err(lost) if lost.on("invitation") => Err(OpError::InvitationNotFound),
        Err(lost) => Err(lost.into()),
    }
}
