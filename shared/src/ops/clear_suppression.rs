//! `DELETE /orgs/{org}/suppressions/{id}`: an admin lets the org mail an
//! address again (the typo was fixed, the person asked to be invited). The
//! invitation, if any, keeps its `bounced`/`complained` status until it is
//! resent.

use super::commit::Audit;
use super::{Caller, Membership, OpError};
use crate::App;
use crate::domain::{Action, OrgSlug, SuppressionId};
use crate::store::{Reads, Transaction, suppressions};
use serde_json::json;

pub struct SuppressionRef {
    pub org: OrgSlug,
    pub id: SuppressionId,
}

pub async fn clear_suppression(
    app: &App,
    caller: &Caller,
    input: SuppressionRef,
) -> Result<(), OpError> {
    let (slug, email) = (&input.org, input.id.email());
    let membership =
        Membership::load(app, slug, caller, Reads::new().suppression(slug, &email)).await?;
    membership.require(Action::ManageInvitations)?;
    let Some(suppression) = membership.found.suppression(&email) else {
        return Err(OpError::SuppressionNotFound);
    };
    let mut tx = Transaction::new();
    tx.push("suppression", suppressions::clear(slug, &email))
        .push("org", suppressions::count(slug, -1));
    let detail = json!({"id": input.id.as_str(), "reason": suppression.reason.as_str()});
    let audit = Audit::new("suppression.cleared", email.as_str(), detail);
    match membership.commit(app, tx, audit).await? {
        Ok(()) => Ok(()),
        Err(lost) if lost.on("suppression") => Err(OpError::SuppressionNotFound),
        Err(lost) => Err(lost.into()),
    }
}
