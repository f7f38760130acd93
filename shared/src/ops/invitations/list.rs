//! `GET /orgs/{org}/invitations`: admins page through pending, expired or all
//! invitations, ordered by expiry. "Expired" is decided against the clock, as
//! a key condition on the expiry index, not by trusting TTL.

use crate::App;
use crate::domain::{Action, Invitation, OrgSlug, StatusFilter};
use crate::ops::access::list_page;
use crate::ops::{Caller, Listed, PageRequest};
use crate::store::invitations;

pub struct InvitationQuery {
    pub org: OrgSlug,
    pub status: StatusFilter,
    pub page: PageRequest,
}

pub async fn list_invitations(
    app: &App,
    caller: &Caller,
    input: InvitationQuery,
) -> Listed<Invitation> {
    let InvitationQuery { org, status, page } = input;
    let query = invitations::listing(&org, status, app.now());
    list_page(app, caller, &org, Action::ManageInvitations, query, page).await
}
