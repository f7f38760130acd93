//! The scheduled sweep's work: retries outbox mail that failed or got stuck,
//! sends invitation reminders that are due ([`crate::ops::invitations::remind`]),
//! records invitations that expired unanswered (`invitation.expired`),
//! deletes invitations past their TTL that DynamoDB has not yet removed, and
//! wakes webhook deliveries whose retry is due.
//! Each step reads the sharded due-index (`gsi2`) up to "now", so the cost grows
//! with the due items, never with the table. Safe to run twice at once:
//! every retry goes through the outbox claim, every delete is conditional.

use crate::App;
use crate::domain::AuditEntry;
use crate::domain::time::rfc3339;
use crate::error_chain::ErrorChain;
use crate::ops::OpError;
use crate::ops::invitations::digest::send_digests;
use crate::ops::invitations::remind::remind_due;
use crate::ops::mail::deliver::{Delivery, deliver};
use crate::ops::webhooks::wake_due;
use crate::store::invitations::Expiring;
use crate::store::keys::DUE_SHARDS;
use crate::store::{Transaction, audit, invitations, outbox, quotas};

/// Work done per run, so one run stays well within its timeout; the rest waits
/// for the next run.
const MAX_ITEMS_PER_RUN: i32 = 500;

#[derive(Debug, Default, serde::Serialize, PartialEq, Eq)]
pub struct SweepReport {
    pub mail_sent: usize,
    pub mail_retry_later: usize,
    pub mail_failed: usize,
    pub mail_skipped: usize,
    pub reminders_sent: usize,
    /// Due but not sent: reminders off, expired, the first mail lost, or the
    /// org's daily mail limit reached.
    pub reminders_skipped: usize,
    /// Left due after an error (logged), for the next run.
    pub reminders_failed: usize,
    /// Expiry digests queued (one per admin with expiries, daily).
    pub digests_sent: usize,
    /// Invitations whose expiry was recorded (`invitation.expired`).
    pub invitations_expired: usize,
    pub invitations_deleted: usize,
    /// Counted by the import worker's resume, which the event adapter runs
    /// after the sweep.
    pub imports_resumed: usize,
    /// Webhook deliveries woken for a retry.
    pub webhooks_woken: usize,
}

pub async fn sweep(app: &App) -> Result<SweepReport, OpError> {
    let mut report = SweepReport::default();
    for shard in 0..DUE_SHARDS {
        retry_mail(app, shard, &mut report).await?;
        let reminded = remind_due(app, shard, MAX_ITEMS_PER_RUN).await?;
        report.reminders_sent += reminded.sent;
        report.reminders_skipped += reminded.skipped;
        report.reminders_failed += reminded.failed;
        record_expiries(app, shard, &mut report).await?;
        delete_expired_invitations(app, shard, &mut report).await?;
        report.webhooks_woken += wake_due(app, shard, MAX_ITEMS_PER_RUN).await?;
    }
    // After every shard's expiries are recorded: a digest covers up to now.
    for shard in 0..DUE_SHARDS {
        report.digests_sent += send_digests(app, shard, MAX_ITEMS_PER_RUN).await?.sent;
    }
    Ok(report)
}

/// Outbox mail of one shard that is due: failed earlier, or claimed by a
/// worker that never finished.
async fn retry_mail(app: &App, shard: u32, report: &mut SweepReport) -> Result<(), OpError> {
    let due = outbox::due(shard, app.now());
    for msg in app.store.page(&due, None, MAX_ITEMS_PER_RUN).await?.items {
        let msg = match msg {
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
            Delivery::AlreadyClaimed | Delivery::Superseded | Delivery::Suppressed => {
                report.mail_skipped += 1
            }
        }
    }
    Ok(())
}

/// Invitations of one shard that expired unanswered: each expiry is recorded
/// (other systems follow it as `invitation.expired`) and the invitation
/// moves on to its TTL, in one transaction.
async fn record_expiries(app: &App, shard: u32, report: &mut SweepReport) -> Result<(), OpError> {
    let now = app.now();
    let due = invitations::expiring(shard, now);
    for expiring in app.store.page(&due, None, MAX_ITEMS_PER_RUN).await?.items {
        let Expiring {
            org,
            email,
            id,
            generation,
            expires_at,
            invited_by,
            invited_by_id,
        } = expiring;
        let entry = AuditEntry {
            at: now,
            actor_id: None,
            actor: "Roster".into(),
            action: "invitation.expired".into(),
            target: email.as_str().to_owned(),
            detail: serde_json::json!({"id": id, "expired_at": rfc3339(expires_at),
                "invited_by": invited_by, "invited_by_id": invited_by_id}),
        };
        let mut tx = Transaction::new();
        tx.push(
            "invitation",
            invitations::expiry_recorded(&org, &email, generation, expires_at),
        )
        .push("audit", audit::record(&org, &entry));
        match app.store.transact(tx).await {
            Ok(()) => report.invitations_expired += 1,
            // Resent, accepted or revoked meanwhile.
            Err(err) if err.is_condition_failed() => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}

/// Invitations of one shard past their TTL that DynamoDB has not removed
/// yet, unless a resend renewed them meanwhile.
async fn delete_expired_invitations(
    app: &App,
    shard: u32,
    report: &mut SweepReport,
) -> Result<(), OpError> {
    let now = app.now();
    let due = invitations::due(shard, now);
    for (org, email) in app.store.page(&due, None, MAX_ITEMS_PER_RUN).await?.items {
        // The removal frees a slot of the org's pending-invitations limit,
        // in the same transaction (one call, as the lone delete was).
        let mut tx = Transaction::new();
        tx.push("invitation", invitations::delete_expired(&org, &email, now))
            .push("pending", quotas::give_back(quotas::org_pending(&org), 1));
        match app.store.transact(tx).await {
            Ok(()) => report.invitations_deleted += 1,
            Err(err) if err.is_condition_failed() => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}
