//! `GET /orgs/{org}/invitations`: admins page through pending, expired or all
//! invitations, ordered by expiry. "Expired" is decided against the clock, as
//! a key condition on the expiry index, not by trusting TTL.

use crate::App;
use crate::domain::{Action, Invitation, OrgSlug, StatusFilter};
use crate::ops::{Caller, Membership, OpError, PageRequest};
use crate::store::{Page, Reads, invitations};

pub struct InvitationQuery {
    pub org: OrgSlug,
    pub status: StatusFilter,
    pub page: PageRequest,
}

pub async fn list_invitations(
    app: &App,
    caller: &Caller,
    input: InvitationQuery,
) -> Result<Page<Invitation>, OpError> {
    let query = invitations::listing(&input.org, input.status, app.now());
    let start = query.start(input.page.cursor.as_deref())?;
    let membership = Membership::load(app, &input.org, caller, Reads::new()).await?;
    membership.require(Action::ManageInvitations)?;
    Ok(app.store.page(&query, start, input.page.limit).await?)
}
