//! `GET /orgs/{org}/audit`: admins read the audit log, newest first.

use crate::App;
use crate::domain::{Action, AuditEntry, OrgSlug};
use crate::ops::{Caller, Membership, OpError, PageRequest};
use crate::store::{Page, Reads, audit};

pub struct AuditQuery {
    pub org: OrgSlug,
    pub page: PageRequest,
}

pub async fn list_audit_events(
    app: &App,
    caller: &Caller,
    input: AuditQuery,
) -> Result<Page<AuditEntry>, OpError> {
    let query = audit::listing(&input.org);
    let start = query.start(input.page.cursor.as_deref())?;
    let membership = Membership::load(app, &input.org, caller, Reads::new()).await?;
    membership.require(Action::ReadAudit)?;
    Ok(app.store.page(&query, start, input.page.limit).await?)
}
