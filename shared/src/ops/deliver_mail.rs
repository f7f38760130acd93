//! Delivering one outbox message: claim it (a conditional write only one
//! worker can win), mint the invitation link if it is an invitation, send it
//! through SES, and record the result. Used by `deliver-email` (stream) and
//! `sweep` (retries), so a message is sent at most once per claim.
//!
//! The plaintext invitation secret exists only in this function's memory and
//! in the email: the table holds its SHA-256 alone.

use crate::App;
use crate::domain::outbox::{CLAIM_TIMEOUT, MAX_ATTEMPTS, retry_delay};
use crate::domain::{DeliveryStatus, InvitationId, InviteLink, MailKind, OutboxMessage, Secret};
use crate::mail::{RenderedMail, templates};
use crate::store::attrs::{n, s};
use crate::store::outbox::{SENT_RETENTION, due_sk, message_key};
use crate::store::tx::{Expr, update};
use crate::store::{StoreError, invitations};

#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Another worker holds or finished the message.
    AlreadyClaimed,
    /// The invitation was resent, revoked, accepted or expired meanwhile:
    /// its newer mail (if any) carries the live link.
    Superseded,
    /// SES refused; retried later by the sweep.
    WillRetry,
    /// SES refused on the last attempt; shown as `email_status: "failed"`.
    GaveUp,
}

pub async fn deliver(app: &App, msg: &OutboxMessage) -> Result<Delivery, StoreError> {
    if !matches!(msg.status, DeliveryStatus::Queued | DeliveryStatus::Sending) {
        return Ok(Delivery::AlreadyClaimed);
    }
    let now = app.now();
    let table = app.store.table();
    let attempt = msg.attempts + 1;
    let claim_until = now + CLAIM_TIMEOUT;
    let claim = update(
        table,
        message_key(&msg.id),
        "SET #status = :sending, attempts = :attempt, next_attempt_at = :until, gsi2sk = :due",
        Some("#status = :seen_status AND attempts = :seen_attempts"),
        Expr::new()
            .name("#status", "status")
            .value(":sending", s(DeliveryStatus::Sending.as_str()))
            .value(":attempt", n(attempt))
            .value(":until", n(claim_until.timestamp()))
            .value(":due", s(due_sk(claim_until, &msg.id)))
            .value(":seen_status", s(msg.status.as_str()))
            .value(":seen_attempts", n(msg.attempts)),
    );
    let mut actions = vec![claim];
    let secret = Secret::generate();
    if let MailKind::Invitation { generation, .. } = &msg.kind {
        actions.push(update(
            table,
            invitations::invitation_key(&msg.org, &msg.to),
            "SET token_hash = :hash",
            Some("generation = :generation AND expires_at > :now"),
            Expr::new()
                .value(":hash", s(secret.hash().as_str()))
                .value(":generation", n(generation))
                .value(":now", n(now.timestamp())),
        ));
    }
    match app.store.transact(actions).await {
        Ok(()) => {}
        Err(err) if err.failed_at(0) => return Ok(Delivery::AlreadyClaimed),
        Err(err) if err.failed_at(1) => {
            finish(app, msg, DeliveryStatus::Failed, None).await?;
            return Ok(Delivery::Superseded);
        }
        Err(err) => return Err(err),
    }

    let mail = render(app, msg, &secret);
    match app.mailer.send(&msg.to, &mail).await {
        Ok(_) => {
            finish(app, msg, DeliveryStatus::Sent, None).await?;
            set_email_status(app, msg, "sent").await?;
            tracing::info!(outbox_id = %msg.id, kind = msg.kind.name(), "mail sent");
            Ok(Delivery::Sent)
        }
        Err(err) => {
            let final_attempt = attempt >= MAX_ATTEMPTS;
            tracing::warn!(
                outbox_id = %msg.id,
                attempt,
                error = %crate::http::error::ErrorChain(&err),
                "mail not sent"
            );
            if final_attempt {
                finish(app, msg, DeliveryStatus::Failed, None).await?;
                set_email_status(app, msg, "failed").await?;
                Ok(Delivery::GaveUp)
            } else {
                let next = now + retry_delay(attempt);
                finish(app, msg, DeliveryStatus::Queued, Some(next)).await?;
                Ok(Delivery::WillRetry)
            }
        }
    }
}

fn render(app: &App, msg: &OutboxMessage, secret: &Secret) -> RenderedMail {
    let web = &app.config.web_url;
    match &msg.kind {
        MailKind::Invitation {
            invited_by,
            expires_at,
            ..
        } => {
            let link = InviteLink::new(msg.org.clone(), InvitationId::for_email(&msg.to), secret);
            let url = format!("{web}/invitations/accept?token={}", link.to_token());
            templates::invitation(
                msg.org_name.as_str(),
                invited_by.as_str(),
                *expires_at,
                &url,
            )
        }
        MailKind::SeatAssigned => templates::seat_assigned(
            msg.org_name.as_str(),
            &format!("{web}/orgs/{}/tokens", msg.org),
        ),
    }
}

/// Records the outcome of a claimed attempt: sent or given up (out of the due
/// index), or queued again for `retry_at`.
async fn finish(
    app: &App,
    msg: &OutboxMessage,
    status: DeliveryStatus,
    retry_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), StoreError> {
    let now = app.now();
    let mut request = app
        .store
        .client()
        .update_item()
        .table_name(app.store.table())
        .set_key(Some(message_key(&msg.id)))
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":status", s(status.as_str()));
    request = match retry_at {
        Some(at) => request
            .update_expression("SET #status = :status, next_attempt_at = :at, gsi2sk = :due")
            .expression_attribute_values(":at", n(at.timestamp()))
            .expression_attribute_values(":due", s(due_sk(at, &msg.id))),
        None => request
            .update_expression(
                "SET #status = :status, #ttl = :ttl, finished_at = :now REMOVE gsi2pk, gsi2sk",
            )
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":ttl", n((now + SENT_RETENTION).timestamp()))
            .expression_attribute_values(":now", n(now.timestamp())),
    };
    request.send().await.map_err(crate::store::Store::map_sdk)?;
    Ok(())
}

/// Mirrors the outcome on the invitation, unless it has moved on to a newer
/// generation (a resend) or is gone (accepted, revoked).
async fn set_email_status(app: &App, msg: &OutboxMessage, status: &str) -> Result<(), StoreError> {
    let MailKind::Invitation { generation, .. } = &msg.kind else {
        return Ok(());
    };
    let result = app
        .store
        .client()
        .update_item()
        .table_name(app.store.table())
        .set_key(Some(invitations::invitation_key(&msg.org, &msg.to)))
        .update_expression("SET email_status = :status")
        .condition_expression("generation = :generation")
        .expression_attribute_values(":status", s(status))
        .expression_attribute_values(":generation", n(generation))
        .send()
        .await
        .map_err(crate::store::Store::map_sdk);
    match result {
        Ok(_) => Ok(()),
        Err(err) if err.is_condition_failed() => Ok(()),
        Err(err) => Err(err),
    }
}
