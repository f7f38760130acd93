//! `GET /orgs/{org}/suppressions`: admins see the addresses the org no
//! longer mails, why, and since when.

use crate::App;
use crate::domain::{Action, OrgSlug, Suppression};
use crate::ops::{Caller, Membership, OpError, PageRequest};
use crate::store::{Page, Reads, suppressions};

pub struct SuppressionQuery {
    pub org: OrgSlug,
    pub page: PageRequest,
}

pub async fn list_suppressions(
    app: &App,
    caller: &Caller,
    input: SuppressionQuery,
) -> Result<Page<Suppression>, OpError> {
    let query = suppressions::listing(&input.org);
    let start = query.start(input.page.cursor.as_deref())?;
    let membership = Membership::load(app, &input.org, caller, Reads::new()).await?;
    membership.require(Action::ManageInvitations)?;
    Ok(app.store.page(&query, start, input.page.limit).await?)
}
