//! `GET /orgs/{org}/audit`: admins read the audit log, newest first.

use crate::App;
use crate::domain::{Action, AuditEntry};
use crate::ops::access::list_page;
use crate::ops::{Caller, Listed, OrgPage};
use crate::store::audit;

pub async fn list_audit_events(app: &App, caller: &Caller, input: OrgPage) -> Listed<AuditEntry> {
    let OrgPage { org, page } = input;
    let query = audit::listing(&org);
    list_page(app, caller, &org, Action::ReadAudit, query, page).await
}
