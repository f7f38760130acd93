//! `GET /orgs/{org}/audit`: admins read the audit log, newest first.

use super::access::{query_failed, start_key};
use super::{Caller, Membership, OpError};
use crate::App;
use crate::domain::{Action, OrgSlug};
use crate::store::attrs::s;
use crate::store::audit::{self, AuditEntry};
use crate::store::keys::{audit_sk_prefix, org_pk};
use crate::store::{Cursor, Store};

pub async fn list_audit_events(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    limit: i32,
    cursor: Option<String>,
) -> Result<(Vec<AuditEntry>, Option<Cursor>), OpError> {
    let pk = org_pk(slug);
    let scope = format!("audit:{slug}");
    let start = start_key(
        cursor.as_deref(),
        &scope,
        &["pk", "sk"],
        |name, value| match name {
            "pk" => value == pk,
            "sk" => value.starts_with(audit_sk_prefix()),
            _ => false,
        },
    )?;
    let membership = Membership::load(app, slug, caller, vec![]).await?;
    membership.require(Action::ReadAudit)?;
    let out = app
        .store
        .client()
        .query()
        .table_name(app.store.table())
        .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
        .expression_attribute_values(":pk", s(&pk))
        .expression_attribute_values(":prefix", s(audit_sk_prefix()))
        .scan_index_forward(false)
        .consistent_read(true)
        .limit(limit)
        .set_exclusive_start_key(start)
        .send()
        .await
        .map_err(|e| query_failed(Store::map_sdk(e), cursor.is_some()))?;
    let items = out
        .items()
        .iter()
        .map(audit::from_item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((
        items,
        out.last_evaluated_key.map(|k| Cursor::encode(&scope, &k)),
    ))
}
