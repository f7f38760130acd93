//! One delivery attempt: claim the woken delivery, check the endpoint (still
//! there, enabled, its host still public), sign and POST the event, and
//! record the outcome: delivered, a retry on the schedule, or failed. An
//! endpoint that has failed for days is disabled and its org's admins are
//! told: by mail, in the audit log and in the console.

use crate::App;
use crate::domain::webhook::{
    Attempt, Delivery, DeliveryStatus, Endpoint, WebhookUrl, next_attempt,
};
use crate::domain::{MailKind, OutboxMessage};
use crate::ops::OpError;
use crate::outbound::webhook_client::{post, public_addresses};
use crate::store::members;
use crate::store::webhooks;
use crate::store::{Reads, audit, outbox};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Delivered,
    WillRetry,
    Failed,
    /// Claimed by another worker, or no longer pending.
    Skipped,
}

/// Calls: the claim, the endpoint read, the outcome; the endpoint's own
/// record only when its state changes (first failure, recovery, hourly
/// success).
pub async fn attempt(app: &App, delivery: &Delivery) -> Result<Outcome, OpError> {
    let now = app.now();
    let claim = uuid::Uuid::new_v4().to_string();
    match app
        .store
        .write(webhooks::claim_delivery(delivery, &claim, now))
        .await
    {
        Ok(()) => {}
        Err(err) if err.is_condition_failed() => return Ok(Outcome::Skipped),
        Err(err) => return Err(err.into()),
    }
    let endpoint = app
        .store
        .endpoint(&delivery.org, &delivery.endpoint)
        .await?;
    let tried = match &endpoint {
        None => refused(now, "the endpoint was deleted"),
        Some(e) if !e.enabled => refused(now, "the endpoint is disabled"),
        Some(e) => call(app, e, delivery, now).await,
    };
    let succeeded = tried.succeeded();
    let enabled = endpoint.as_ref().is_some_and(|e| e.enabled);
    let (done, outcome) = after_attempt(delivery, tried, enabled, now);
    match app
        .store
        .write(webhooks::record_attempt(&done, &claim))
        .await
    {
        Ok(()) => {}
        // Claimed again meanwhile (this attempt outlived its lease): the
        // later claim's outcome stands.
        Err(err) if err.is_condition_failed() => return Ok(Outcome::Skipped),
        Err(err) => return Err(err.into()),
    }
    if let Some(e) = &endpoint
        && e.enabled
    {
        note_on_endpoint(app, e, succeeded, outcome, now).await?;
    }
    Ok(outcome)
}

/// The delivery once `tried` is recorded on it: delivered, failed for good
/// (the endpoint gone or disabled, or the schedule spent), or due again.
fn after_attempt(
    delivery: &Delivery,
    tried: Attempt,
    endpoint_enabled: bool,
    now: DateTime<Utc>,
) -> (Delivery, Outcome) {
    let mut done = delivery.clone();
    let succeeded = tried.succeeded();
    done.keep_attempt(tried);
    let outcome = if succeeded {
        done.status = DeliveryStatus::Delivered;
        done.next_attempt_at = None;
        Outcome::Delivered
    } else if !endpoint_enabled {
        done.status = DeliveryStatus::Failed;
        done.next_attempt_at = None;
        Outcome::Failed
    } else {
        done.tries += 1;
        done.next_attempt_at = next_attempt(done.tries, now, jitter(delivery));
        if done.next_attempt_at.is_some() {
            Outcome::WillRetry
        } else {
            done.status = DeliveryStatus::Failed;
            Outcome::Failed
        }
    };
    (done, outcome)
}

fn refused(at: DateTime<Utc>, why: &str) -> Attempt {
    Attempt {
        at,
        status_code: None,
        error: Some(why.to_owned()),
        duration_ms: 0,
    }
}

/// The signed POST, or why it was not made (the URL or its address refused).
async fn call(app: &App, endpoint: &Endpoint, delivery: &Delivery, now: DateTime<Utc>) -> Attempt {
    let Some(key) = &app.webhooks.signing_key else {
        return refused(now, "webhooks are not configured on this deployment");
    };
    let exempt = &app.webhooks.exempt_origins;
    let url = match WebhookUrl::parse(&endpoint.url, exempt) {
        Ok(url) => url,
        Err(why) => return refused(now, &format!("refused: {why}")),
    };
    // Checked again at every attempt: DNS answers change after registration.
    let addrs = match public_addresses(app.webhooks.resolver.as_ref(), &url, exempt).await {
        Ok(addrs) => addrs,
        Err(why) => return refused(now, &format!("refused: {why}")),
    };
    let timestamp = now.timestamp();
    let signatures: Vec<String> = endpoint
        .signing_generations(now)
        .into_iter()
        .map(|generation| {
            key.endpoint_secret(&endpoint.org, &endpoint.id, generation)
                .sign(&delivery.event_id, timestamp, delivery.body.as_bytes())
        })
        .collect();
    let headers = [
        ("webhook-id", delivery.event_id.clone()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signatures.join(" ")),
    ];
    post(&url, addrs, &headers, delivery.body.clone(), now).await
}

/// A stable spread in [0, 1) per delivery and try, so retries of endpoints
/// that failed together do not all come back together.
fn jitter(delivery: &Delivery) -> f64 {
    let digest = Sha256::digest(
        format!(
            "{}#{}#{}",
            delivery.endpoint, delivery.position, delivery.tries
        )
        .as_bytes(),
    );
    f64::from(u16::from_be_bytes([digest[0], digest[1]])) / 65536.0
}

/// Keeps the endpoint's health current with as few writes as it takes: the
/// first failure of a run, a recovery, a success at most hourly; and
/// disables an endpoint failing for days.
async fn note_on_endpoint(
    app: &App,
    endpoint: &Endpoint,
    succeeded: bool,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> Result<(), OpError> {
    let stale = endpoint
        .last_success_at
        .is_none_or(|at| now - at >= Duration::hours(1));
    let changes = if succeeded {
        endpoint.failing_since.is_some() || stale
    } else {
        endpoint.failing_since.is_none()
    };
    if changes {
        app.store
            .write(webhooks::endpoint_outcome(endpoint, succeeded, now))
            .await
            .or_else(ignore_condition)?;
    }
    if outcome == Outcome::Failed && endpoint.should_disable(now) {
        disable(app, endpoint, now).await?;
    }
    Ok(())
}

/// Admins told when an endpoint is disabled (the first ones, by id).
const MAX_ADMINS_MAILED: usize = 20;

/// Disables the endpoint, records why, and mails the org's admins: all
/// or nothing, once (the condition fails if it is already disabled).
async fn disable(app: &App, endpoint: &Endpoint, now: DateTime<Utc>) -> Result<(), OpError> {
    let org = &endpoint.org;
    let found = app.store.read(Reads::new().org(org)).await?;
    let Some(org_item) = found.org(org) else {
        return Ok(());
    };
    let admins = app.store.all(&members::admins(org)).await?;
    let mut tx = crate::store::Transaction::new();
    tx.push("endpoint", webhooks::disable_failing(endpoint));
    tx.push("audit", audit::record(org, &disabled_entry(endpoint, now)));
    for admin in admins.iter().take(MAX_ADMINS_MAILED) {
        let mail = OutboxMessage::new(
            org.clone(),
            org_item.name.clone(),
            admin.email.clone(),
            MailKind::WebhookDisabled,
            now,
        );
        tx.push("mail", outbox::enqueue(&mail));
    }
    app.store.transact(tx).await.or_else(ignore_condition)?;
    Ok(())
}

fn ignore_condition(err: crate::store::StoreError) -> Result<(), crate::store::StoreError> {
    if err.is_condition_failed() {
        Ok(())
    } else {
        Err(err)
    }
}

fn disabled_entry(endpoint: &Endpoint, now: DateTime<Utc>) -> crate::domain::AuditEntry {
    crate::domain::AuditEntry {
        at: now,
        actor_id: None,
        actor: "Roster".into(),
        action: "webhook.disabled".into(),
        target: endpoint.id.clone(),
        detail: serde_json::json!({
            "url": endpoint.url,
            "reason": "failing",
            "failing_since": endpoint.failing_since.map(crate::domain::time::rfc3339),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-07T00:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn pending(tries: usize) -> Delivery {
        Delivery::sample(t0(), tries)
    }

    fn answered(status: u16) -> Attempt {
        Attempt {
            at: t0(),
            status_code: Some(status),
            error: None,
            duration_ms: 5,
        }
    }

    #[test]
    fn a_2xx_delivers_and_ends_the_schedule() {
        let (done, outcome) = after_attempt(&pending(3), answered(204), true, t0());
        assert_eq!(outcome, Outcome::Delivered);
        assert_eq!(done.status, DeliveryStatus::Delivered);
        assert_eq!(
            (done.next_attempt_at, done.tries, done.attempts.len()),
            (None, 3, 1)
        );
    }

    #[test]
    fn a_failure_is_due_again_on_the_schedule_until_it_runs_out() {
        let (done, outcome) = after_attempt(&pending(0), answered(500), true, t0());
        assert_eq!(outcome, Outcome::WillRetry);
        assert_eq!((done.status, done.tries), (DeliveryStatus::Pending, 1));
        assert!(done.next_attempt_at.is_some_and(|at| at > t0()));

        let (done, outcome) = after_attempt(&pending(100), answered(500), true, t0());
        assert_eq!(outcome, Outcome::Failed);
        assert_eq!(
            (done.status, done.next_attempt_at),
            (DeliveryStatus::Failed, None)
        );
    }

    #[test]
    fn a_disabled_or_deleted_endpoint_fails_the_delivery_at_once() {
        let (done, outcome) = after_attempt(
            &pending(0),
            refused(t0(), "the endpoint is disabled"),
            false,
            t0(),
        );
        assert_eq!(outcome, Outcome::Failed);
        assert_eq!((done.status, done.tries), (DeliveryStatus::Failed, 0));
        assert_eq!(
            done.attempts[0].error.as_deref(),
            Some("the endpoint is disabled")
        );
    }
}
