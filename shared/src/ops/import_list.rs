//! `GET /orgs/{org}/imports`: an org's import jobs, newest first.

use super::access::start_key;
use super::{Caller, Membership, OpError};
use crate::App;
use crate::domain::import::ImportJob;
use crate::domain::{Action, OrgSlug};
use crate::store::Cursor;
use crate::store::keys::{IMPORT_PREFIX, org_pk};

pub struct ListImports {
    pub caller: Caller,
    pub org: OrgSlug,
    pub limit: i32,
    pub cursor: Option<String>,
}

/// Calls: the authorizing read and one query.
pub async fn list_imports(
    app: &App,
    input: ListImports,
) -> Result<(Vec<ImportJob>, Option<Cursor>), OpError> {
    let ListImports {
        caller,
        org,
        limit,
        cursor,
    } = input;
    let pk = org_pk(&org);
    let scope = format!("imports:{org}");
    let start = start_key(cursor.as_deref(), &scope, |name, value| match name {
        "pk" => value == pk,
        "sk" => value.starts_with(IMPORT_PREFIX),
        _ => false,
    })?;
    let membership = Membership::load(app, &org, &caller, vec![]).await?;
    membership.require(Action::ManageInvitations)?;
    let page = app.store.list_import_jobs(&org, limit, start).await?;
    Ok((
        page.items,
        page.last_key.map(|k| Cursor::encode(&scope, &k)),
    ))
}
