//! `GET /orgs/{org}/imports`: an org's import jobs, newest first.

use crate::App;
use crate::domain::Action;
use crate::domain::import::ImportJob;
use crate::ops::access::list_page;
use crate::ops::{Caller, Listed, OrgPage};
use crate::store::imports;

/// Calls: the authorizing read and one query.
pub async fn list_imports(app: &App, caller: &Caller, input: OrgPage) -> Listed<ImportJob> {
    let OrgPage { org, page } = input;
    let query = imports::listing(&org);
    list_page(app, caller, &org, Action::ManageInvitations, query, page).await
}
