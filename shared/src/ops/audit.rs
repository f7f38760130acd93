//! Building the audit entry that goes into an operation's transaction.

use super::Caller;
use crate::App;
use crate::domain::OrgSlug;
use crate::store::audit::{self, AuditEntry};
use crate::store::tx::put_new;
use aws_sdk_dynamodb::types::TransactWriteItem;

pub fn entry(
    app: &App,
    org: &OrgSlug,
    actor: &Caller,
    action: &str,
    target: impl Into<String>,
    detail: serde_json::Value,
) -> TransactWriteItem {
    let entry = AuditEntry {
        at: app.now(),
        actor_id: Some(actor.user_id.to_string()),
        actor: actor.email.to_string(),
        action: action.to_owned(),
        target: target.into(),
        detail,
    };
    put_new(app.store.table(), audit::to_item(org, &entry))
}
