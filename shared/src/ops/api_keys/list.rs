//! `GET /orgs/{org}/api-keys`: the org's keys (never a secret), newest first,
//! with their last use; expired ones stay listed for 30 days.

use crate::App;
use crate::domain::{Action, ApiKey};
use crate::ops::access::list_page;
use crate::ops::{Caller, Listed, OrgPage};
use crate::store::api_keys;

/// Calls: the authorizing read and one query.
pub async fn list_api_keys(app: &App, caller: &Caller, input: OrgPage) -> Listed<ApiKey> {
    caller.require_person()?;
    let OrgPage { org, page } = input;
    let query = api_keys::listing(&org);
    list_page(app, caller, &org, Action::ManageApiKeys, query, page).await
}
