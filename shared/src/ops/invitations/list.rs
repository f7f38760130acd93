//! `GET /orgs/{org}/invitations`: admins page through pending, expired or all
//! invitations, ordered by expiry. "Expired" is decided against the clock, as
//! a key condition on the expiry index, not by trusting TTL. While the org
//! sends no reminders, none is shown as due (the sweep will skip them).

use crate::App;
use crate::domain::{Action, Invitation, OrgSlug, ReminderDay, StatusFilter};
use crate::ops::access::authorized_page;
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
    let (membership, mut listed) =
        authorized_page(app, caller, &org, Action::ManageInvitations, query, page).await?;
    if membership.org.invitation_reminder_day == ReminderDay::OFF {
        for inv in &mut listed.items {
            inv.remind_at = None;
        }
    }
    Ok(listed)
}
