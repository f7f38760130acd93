//! `GET /orgs/{org}/imports`: an org's import jobs, newest first.

use crate::App;
use crate::domain::import::ImportJob;
use crate::domain::{Action, OrgSlug};
use crate::ops::{Caller, Membership, OpError, PageRequest};
use crate::store::{Page, Reads, imports};

pub struct ImportsQuery {
    pub org: OrgSlug,
    pub page: PageRequest,
}

/// Calls: the authorizing read and one query.
pub async fn list_imports(
    app: &App,
    caller: &Caller,
    input: ImportsQuery,
) -> Result<Page<ImportJob>, OpError> {
    let query = imports::listing(&input.org);
    let start = query.start(input.page.cursor.as_deref())?;
    let membership = Membership::load(app, &input.org, caller, Reads::new()).await?;
    membership.require(Action::ManageInvitations)?;
    Ok(app.store.page(&query, start, input.page.limit).await?)
}
