//! `GET /orgs/{org}/suppressions`: admins see the addresses the org no
//! longer mails, why, and since when.

use crate::App;
use crate::domain::{Action, Suppression};
use crate::ops::access::list_page;
use crate::ops::{Caller, Listed, OrgPage};
use crate::store::suppressions;

pub async fn list_suppressions(app: &App, caller: &Caller, input: OrgPage) -> Listed<Suppression> {
    let OrgPage { org, page } = input;
    let query = suppressions::listing(&org);
    list_page(app, caller, &org, Action::ManageInvitations, query, page).await
}
