//! `DELETE /orgs/{org}/invitations/{id}`: the invitation and its link are gone
//! at once; the audit log keeps the story.

use super::commit::Audit;
use super::{Caller, Membership, OpError};
use crate::App;
use crate::domain::{Action, InvitationId, OrgSlug};
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
    let membership =
        Membership::load(app, slug, caller, Reads::new().invitation(slug, &email)).await?;
    membership.require(Action::ManageInvitations)?;
    if membership.found.invitation(&email).is_none() {
        return Err(OpError::InvitationNotFound);
    }
    let mut tx = Transaction::new();
    tx.push("invitation", invitations::revoke(slug, &email))
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
