//! `DELETE /orgs/{org}/invitations/{id}`: the invitation and its link are gone
//! at once; the audit log keeps the story.

use super::{Caller, Membership, OpError, audit};
use crate::App;
use crate::domain::{Action, InvitationId, OrgSlug};
use crate::store::{Reads, Transaction, invitations};
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
    let detail = json!({"id": input.id.as_str()});
    let mut tx = Transaction::new();
    tx.push("invitation", invitations::revoke(slug, &email))
        .push(
            "audit",
            audit::entry(
                app,
                slug,
                caller,
                "invitation.revoked",
                email.as_str(),
                detail,
            ),
        );
    membership.guard(&mut tx);
    match app.store.transact(tx).await {
        Ok(()) => Ok(()),
        Err(err) if err.failed("invitation") => Err(OpError::InvitationNotFound),
        Err(err) if err.failed("caller") => Err(OpError::Forbidden),
        Err(err) => Err(err.into()),
    }
}
