//! Delivering one outbox message: claim it (a conditional write only one
//! worker can win, which also checks that the address is not suppressed),
//! mint the invitation link if it is an invitation, send it through SES with
//! the tags its bounce or complaint will come back with, and record the result. Used by `deliver-email` (stream) and
//! `sweep` (retries), so a message is sent at most once per claim.
//!
//! The plaintext invitation secret exists only in this function's memory and
//! in the email: the table holds its SHA-256 alone.

use crate::App;
use crate::domain::outbox::{CLAIM_TIMEOUT, MAX_ATTEMPTS, retry_delay};
use crate::domain::{
    DeliveryStatus, EmailStatus, InvitationId, InviteLink, MailKind, OutboxMessage, Secret,
};
use crate::error_chain::ErrorChain;
use crate::mail::feedback::tags_for;
use crate::mail::{RenderedMail, templates};
use crate::ops::OpError;
use crate::store::{Transaction, invitations, outbox, suppressions};

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
    /// The address bounced or complained since the mail was queued: dropped
    /// unsent (the invitation keeps the status that event gave it).
    Suppressed,
}

pub async fn deliver(app: &App, msg: &OutboxMessage) -> Result<Delivery, OpError> {
    if !matches!(msg.status, DeliveryStatus::Queued | DeliveryStatus::Sending) {
        return Ok(Delivery::AlreadyClaimed);
    }
    let now = app.now();
    let secret = Secret::generate();
    let mut tx = Transaction::new();
    tx.push("claim", outbox::claim(msg, now + CLAIM_TIMEOUT))
        .push_check("not suppressed", suppressions::absent(&msg.org, &msg.to));
    if let MailKind::Invitation {
        generation,
        reminder,
        ..
    } = &msg.kind
    {
        let hash = secret.hash();
        let mint = invitations::mint_link(&msg.org, &msg.to, &hash, *generation, now, *reminder);
        tx.push("link", mint);
    }
    match app.store.transact(tx).await {
        Ok(()) => {}
        Err(err) if err.failed("claim") => return Ok(Delivery::AlreadyClaimed),
        Err(err) if err.failed("not suppressed") => {
            finish(app, msg, DeliveryStatus::Failed, None).await?;
            return Ok(Delivery::Suppressed);
        }
        Err(err) if err.failed("link") => {
            finish(app, msg, DeliveryStatus::Failed, None).await?;
            return Ok(Delivery::Superseded);
        }
        Err(err) => return Err(err.into()),
    }
    send(app, msg, &secret).await
}

/// Sends a claimed message and records the outcome: sent, queued again with
/// backoff, or given up after the last attempt.
async fn send(app: &App, msg: &OutboxMessage, secret: &Secret) -> Result<Delivery, OpError> {
    let attempt = msg.attempts + 1;
    let mail = render(app, msg, secret);
    let err = match app.mailer.send(&msg.to, &mail, &tags_for(msg)).await {
        Ok(_) => {
            finish(app, msg, DeliveryStatus::Sent, None).await?;
            set_email_status(app, msg, EmailStatus::Sent).await?;
            tracing::info!(outbox_id = %msg.id, kind = msg.kind.name(), "mail sent");
            return Ok(Delivery::Sent);
        }
        Err(err) => err,
    };
    tracing::warn!(outbox_id = %msg.id, attempt, error = %ErrorChain(&err), "mail not sent");
    if attempt >= MAX_ATTEMPTS {
        finish(app, msg, DeliveryStatus::Failed, None).await?;
        set_email_status(app, msg, EmailStatus::Failed).await?;
        Ok(Delivery::GaveUp)
    } else {
        let next = app.now() + retry_delay(attempt);
        finish(app, msg, DeliveryStatus::Queued, Some(next)).await?;
        Ok(Delivery::WillRetry)
    }
}

fn render(app: &App, msg: &OutboxMessage, secret: &Secret) -> RenderedMail {
    let web = &app.config.web_url;
    match &msg.kind {
        MailKind::Invitation {
            invited_by,
            expires_at,
            reminder,
            ..
        } => {
            let link = InviteLink::new(msg.org.clone(), InvitationId::for_email(&msg.to), secret);
            let url = format!("{web}/invitations/accept?token={}", link.to_token());
            let template = if *reminder {
                templates::invitation_reminder
            } else {
                templates::invitation
            };
            template(
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
        MailKind::ExpiredDigest { emails, total } => templates::expired_digest(
            msg.org_name.as_str(),
            emails,
            *total,
            &format!("{web}/orgs/{}/invitations", msg.org),
        ),
        MailKind::WebhookDisabled => templates::webhook_disabled(
            msg.org_name.as_str(),
            &format!("{web}/orgs/{}/webhooks", msg.org),
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
) -> Result<(), OpError> {
    let action = outbox::finish(msg, status, retry_at, app.now());
    Ok(app.store.write(action).await?)
}

/// Mirrors the outcome of the first mail on the invitation, unless it has
/// moved on to a newer generation (a resend) or is gone (accepted, revoked).
/// A reminder leaves it as the first mail left it (its bounce or complaint
/// still marks it, through the feedback).
async fn set_email_status(
    app: &App,
    msg: &OutboxMessage,
    status: EmailStatus,
) -> Result<(), OpError> {
    let MailKind::Invitation {
        generation,
        reminder: false,
        ..
    } = &msg.kind
    else {
        return Ok(());
    };
    let action = invitations::set_email_status(&msg.org, &msg.to, *generation, status);
    match app.store.write(action).await {
        Err(err) if !err.is_condition_failed() => Err(err.into()),
        _ => Ok(()),
    }
}
