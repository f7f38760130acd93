//! `DELETE /orgs/{org}/invitations/{id}`: the invitation and its link are gone
//! at once; the audit log keeps the story.

use super::{Caller, Membership, OpError, audit};
use crate::App;
use crate::domain::{Action, InvitationId, OrgSlug};
use crate::store::keys::invitation_sk;
use crate::store::tx::{Expr, delete};
use crate::store::{invitations, quotas};
use serde_json::json;

pub async fn revoke_invitation(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    id: &InvitationId,
) -> Result<(), OpError> {
    let email = id.email();
    let key = invitations::invitation_key(slug, &email);
    let membership = Membership::load(app, slug, caller, vec![key.clone()]).await?;
    membership.require(Action::ManageInvitations)?;
    if membership.extra_with_sk(&invitation_sk(&email)).is_none() {
        return Err(OpError::InvitationNotFound);
    }
    let result = app
        .store
        .transact(vec![
            delete(
                app.store.table(),
                key,
                Some("attribute_exists(pk)"),
                Expr::new(),
            ),
            membership.still_authorized(app),
            audit::entry(
                app,
                slug,
                caller,
                "invitation.revoked",
                email.as_str(),
                json!({"id": id.as_str()}),
            ),
            // One open invitation fewer for the pending limit.
            quotas::give_back(app.store.table(), quotas::org_pending(slug), 1),
        ])
        .await;
    match result {
        Ok(()) => Ok(()),
        Err(err) if err.failed_at(0) => Err(OpError::InvitationNotFound),
        Err(err) if err.failed_at(1) => Err(OpError::Forbidden),
        Err(err) => Err(err.into()),
    }
}
