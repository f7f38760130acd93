//! Building the audit entry that goes into an operation's transaction.

use super::Caller;
use crate::App;
use crate::domain::{AuditEntry, OrgSlug};
use crate::store::{Action, audit};

pub fn entry(
    app: &App,
    org: &OrgSlug,
    actor: &Caller,
    action: &str,
    target: impl Into<String>,
    detail: serde_json::Value,
) -> Action {
    audit::record(
        org,
        &AuditEntry {
            at: app.now(),
            actor: actor.email.to_string(),
            action: action.to_owned(),
            target: target.into(),
            detail,
        },
    )
}
