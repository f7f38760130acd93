//! `sweep`: scheduled every 15 minutes. Retries outbox mail that failed or got
//! stuck, and deletes invitations past their TTL that DynamoDB has not yet
//! removed. Both read the sharded due-index (`gsi2`) up to "now", so the cost
//! grows with the due items, never with the table. Safe to run twice at once:
//! every retry goes through the outbox claim, every delete is conditional.

use crate::App;
use crate::domain::OrgSlug;
use crate::http::error::ErrorChain;
use crate::ops::deliver_mail::{Delivery, deliver};
use crate::store::attrs::{get_s, n, sortable_epoch};
use crate::store::attrs::{key, s};
use crate::store::keys::{DUE_SHARDS, GSI2, due_gsi2pk, invitation_sk, org_pk};
use crate::store::{Item, Store, StoreError, outbox};
use lambda_runtime::LambdaEvent;
use std::sync::Arc;

/// Work done per run, so one run stays well within its timeout; the rest waits
/// for the next run.
const MAX_ITEMS_PER_RUN: i32 = 500;

#[derive(Debug, Default, serde::Serialize, PartialEq, Eq)]
pub struct SweepReport {
    pub mail_sent: usize,
    pub mail_retry_later: usize,
    pub mail_failed: usize,
    pub mail_skipped: usize,
    pub invitations_deleted: usize,
}

#[tracing::instrument(name = "run", skip_all, fields(op = "sweep"))]
pub async fn handle(
    app: Arc<App>,
    _event: LambdaEvent<serde_json::Value>,
) -> Result<SweepReport, lambda_runtime::Error> {
    let report = sweep(&app).await.inspect_err(|err| {
        tracing::error!(error = %ErrorChain(err), "sweep failed");
    })?;
    tracing::info!(?report, "sweep done");
    Ok(report)
}

pub async fn sweep(app: &App) -> Result<SweepReport, StoreError> {
    let mut report = SweepReport::default();
    let now = app.now();
    for shard in 0..DUE_SHARDS {
        for item in due(app, &due_gsi2pk(outbox::DUE_KIND, shard), now.timestamp()).await? {
            let msg = match outbox::from_item(&item) {
                Ok(msg) => msg,
                Err(err) => {
                    tracing::error!(error = %ErrorChain(&err), "outbox item unreadable");
                    continue;
                }
            };
            match deliver(app, &msg).await? {
                Delivery::Sent => report.mail_sent += 1,
                Delivery::WillRetry => report.mail_retry_later += 1,
                Delivery::GaveUp => report.mail_failed += 1,
                Delivery::AlreadyClaimed | Delivery::Superseded => report.mail_skipped += 1,
            }
        }
        for item in due(
            app,
            &due_gsi2pk(crate::store::invitations::DUE_KIND, shard),
            now.timestamp(),
        )
        .await?
        {
            if delete_expired_invitation(app, &item, now.timestamp()).await? {
                report.invitations_deleted += 1;
            }
        }
    }
    Ok(report)
}

/// Index entries of `pk` due at or before `now` (their sort key starts with
/// the zero-padded due time).
async fn due(app: &App, pk: &str, now: i64) -> Result<Vec<Item>, StoreError> {
    let out = app
        .store
        .client()
        .query()
        .table_name(app.store.table())
        .index_name(GSI2)
        .key_condition_expression("gsi2pk = :pk AND gsi2sk < :until")
        .expression_attribute_values(":pk", s(pk))
        .expression_attribute_values(":until", s(format!("{}#", sortable_epoch(now + 1))))
        .limit(MAX_ITEMS_PER_RUN)
        .send()
        .await
        .map_err(Store::map_sdk)?;
    Ok(out.items.unwrap_or_default())
}

/// Deletes an invitation past its TTL, unless a resend renewed it meanwhile.
async fn delete_expired_invitation(app: &App, item: &Item, now: i64) -> Result<bool, StoreError> {
    let org =
        OrgSlug::parse(get_s(item, "org")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let email = crate::domain::Email::parse(get_s(item, "email")?)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let result = app
        .store
        .client()
        .delete_item()
        .table_name(app.store.table())
        .set_key(Some(key(org_pk(&org), invitation_sk(&email))))
        .condition_expression("#ttl <= :now")
        .expression_attribute_names("#ttl", "ttl")
        .expression_attribute_values(":now", n(now))
        .send()
        .await
        .map_err(Store::map_sdk);
    match result {
        Ok(_) => Ok(true),
        Err(err) if err.is_condition_failed() => Ok(false),
        Err(err) => Err(err),
    }
}
