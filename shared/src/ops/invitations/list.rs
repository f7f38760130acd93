//! `GET /orgs/{org}/invitations`: admins page through pending, expired or all
//! invitations, ordered by expiry. "Expired" is decided against the clock, as
//! a key condition on the expiry index, not by trusting TTL. While the org
//! sends no reminders, none is shown as due (the sweep will skip them).

use crate::App;
use crate::domain::{Action, Invitation, OrgSlug, ReminderDay, StatusFilter};
use crate::ops::{Caller, Listed, Membership, PageRequest};
use crate::store::{Reads, invitations};

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
    let start = query.start(page.cursor.as_deref())?;
    let membership =
        Membership::authorize(app, &org, caller, Reads::new(), Action::ManageInvitations).await?;
    let mut listed = app.store.page(&query, start, page.limit).await?;
    if membership.org.invitation_reminder_day == ReminderDay::OFF {
        for inv in &mut listed.items {
            inv.remind_at = None;
        }
    }
    Ok(listed)
}
