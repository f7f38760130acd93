//! `GET /orgs/{org}`: any member reads the org.

use crate::App;
use crate::domain::{Action, Org, OrgSlug};
use crate::ops::{Caller, Membership, OpError};
use crate::store::Reads;

pub async fn get_org(app: &App, caller: &Caller, slug: OrgSlug) -> Result<Org, OpError> {
    let membership =
        Membership::authorize(app, &slug, caller, Reads::new(), Action::ReadOrg).await?;
    Ok(membership.org)
}
