//! A bounce or complaint SES reported about one of Roster's messages
//! (`mail-events`, fed by the configuration set's SNS topic): the invitation
//! whose current mail it was shows `email_status: "bounced"` or
//! `"complained"`, and a permanent bounce or a complaint suppresses the
//! address in the org (with an audit entry saying why).
//!
//! SNS delivers at least once and Lambda retries a failed invocation, so
//! every write is conditional and a repeat changes nothing: the status only
//! lands on the generation the mail carried, and a suppression is created
//! once, its count moving with it in one transaction.

use crate::App;
use crate::domain::suppression::clean_detail;
use crate::domain::{AuditEntry, Email, EmailStatus, Suppression, SuppressionReason};
use crate::mail::feedback::{EventKind, MailEvent};
use crate::ops::OpError;
use crate::store::{Transaction, audit, invitations, suppressions};
use serde_json::json;

/// What the event changed for one recipient.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recorded {
    /// The invitation's status moved to bounced or complained.
    pub invitation_marked: bool,
    /// The address became suppressed (not: it already was, or no longer
    /// needs to be because the org is gone).
    pub suppressed: bool,
}

pub async fn record_mail_feedback(app: &App, event: &MailEvent) -> Result<Vec<Recorded>, OpError> {
    let mut recorded = Vec::with_capacity(event.recipients.len());
    for (email, said) in &event.recipients {
        recorded.push(Recorded {
            invitation_marked: mark_invitation(app, event, email).await?,
            suppressed: suppress(app, event, email, said).await?,
        });
    }
    Ok(recorded)
}

async fn mark_invitation(app: &App, event: &MailEvent, email: &Email) -> Result<bool, OpError> {
    let Some(generation) = event.invitation_generation else {
        return Ok(false);
    };
    let status = match event.kind {
        EventKind::HardBounce | EventKind::SoftBounce => EmailStatus::Bounced,
        EventKind::Complaint => EmailStatus::Complained,
    };
    let action = invitations::mark_email(&event.org, email, generation, status);
    match app.store.write(action).await {
        Ok(()) => Ok(true),
        // Resent since (the new mail has its own fate), accepted or revoked.
        Err(err) if err.is_condition_failed() => Ok(false),
        Err(err) => Err(err.into()),
    }
}

async fn suppress(
    app: &App,
    event: &MailEvent,
    email: &Email,
    said: &str,
) -> Result<bool, OpError> {
    let reason = match event.kind {
        EventKind::HardBounce => SuppressionReason::Bounced,
        EventKind::Complaint => SuppressionReason::Complained,
        EventKind::SoftBounce => return Ok(false),
    };
    let now = app.now();
    let suppression = Suppression {
        org: event.org.clone(),
        email: email.clone(),
        reason,
        detail: clean_detail(said),
        at: now,
    };
    let mut tx = Transaction::new();
    tx.push("suppression", suppressions::create(&suppression))
        .push("org", suppressions::count(&event.org, 1))
        .push("audit", audit::record(&event.org, &entry(&suppression)));
    match app.store.transact(tx).await {
        Ok(()) => Ok(true),
        Err(err) if err.failed("suppression") || err.failed("org") => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// The audit entry of a suppression: SES acted, no user did.
fn entry(sup: &Suppression) -> AuditEntry {
    AuditEntry {
        at: sup.at,
        actor_id: None,
        actor: "ses".into(),
        action: "email.suppressed".into(),
        target: sup.email.as_str().to_owned(),
        detail: json!({"reason": sup.reason.as_str(), "detail": sup.detail}),
    }
}
