//! Admins manage their org's webhook endpoints: register one (its secret
//! shown once), list, change, delete, rotate the secret, read an
//! endpoint's deliveries and redeliver one. Every change is audited.

use crate::App;
use crate::domain::events::EventType;
use crate::domain::webhook::{Delivery, Endpoint, MAX_ENDPOINTS, SigningKey, WebhookUrl};
use crate::domain::{Action, OrgSlug};
use crate::ops::access::authorized_page;
use crate::ops::commit::Audit;
use crate::ops::{Caller, Listed, Membership, OpError, PageRequest};
use crate::outbound::webhook_client::public_addresses;
use crate::store::webhooks::{self, EndpointChange};
use crate::store::{Reads, Transaction};
use serde_json::json;

pub struct NewEndpoint {
    pub org: OrgSlug,
    /// As given: parsed here, since whether it is allowed depends on the
    /// deployment's exempt origins and on DNS.
    pub url: String,
    pub event_types: Vec<EventType>,
    pub description: String,
}

/// An endpoint with its secret, for the one answer that shows it.
pub struct WithSecret {
    pub endpoint: Endpoint,
    pub secret: String,
}

fn signing_key(app: &App) -> Result<&SigningKey, OpError> {
    app.webhooks
        .signing_key
        .as_ref()
        .ok_or(OpError::WebhooksNotConfigured)
}

async fn authorize(app: &App, caller: &Caller, org: &OrgSlug) -> Result<Membership, OpError> {
    Membership::authorize(app, org, caller, Reads::new(), Action::ManageWebhooks).await
}

/// The URL parsed and its host checked: refused when it is not https or
/// resolves to an address inside (see [`crate::domain::webhook::forbidden_reason`]).
pub async fn checked_url(app: &App, raw: &str) -> Result<WebhookUrl, OpError> {
    let exempt = &app.webhooks.exempt_origins;
    let url = WebhookUrl::parse(raw, exempt)
        .map_err(|why| OpError::InvalidWebhookUrl(why.to_string()))?;
    public_addresses(app.webhooks.resolver.as_ref(), &url, exempt)
        .await
        .map_err(|why| OpError::InvalidWebhookUrl(why.to_string()))?;
    Ok(url)
}

/// Calls: the authorizing read, the endpoints query (the limit), one transaction.
pub async fn create_endpoint(
    app: &App,
    caller: &Caller,
    input: NewEndpoint,
) -> Result<WithSecret, OpError> {
    let membership = authorize(app, caller, &input.org).await?;
    let key = signing_key(app)?;
    let url = checked_url(app, &input.url).await?;
    let existing = app.store.all(&webhooks::endpoints(&input.org)).await?;
    if existing.len() >= MAX_ENDPOINTS {
        return Err(OpError::WebhookLimit);
    }
    let endpoint = Endpoint {
        id: Endpoint::new_id(),
        org: input.org.clone(),
        url: url.as_str().to_owned(),
        event_types: input.event_types,
        description: input.description,
        enabled: true,
        disabled_reason: None,
        created_at: app.now(),
        created_by: caller.user_id.as_str().to_owned(),
        generation: 1,
        rotated_at: None,
        last_success_at: None,
        failing_since: None,
    };
    let mut tx = Transaction::new();
    tx.push("endpoint", webhooks::create_endpoint(&endpoint));
    let audit = Audit::new("webhook.created", endpoint.id.as_str(), detail(&endpoint));
    membership.commit(app, tx, audit).await??;
    let secret = key.endpoint_secret(&endpoint.org, &endpoint.id, 1).expose();
    Ok(WithSecret { endpoint, secret })
}

fn detail(e: &Endpoint) -> serde_json::Value {
    let types: Vec<&str> = e.event_types.iter().map(|t| t.as_str()).collect();
    json!({"url": e.url, "event_types": types, "enabled": e.enabled})
}

pub async fn list_endpoints(
    app: &App,
    caller: &Caller,
    org: &OrgSlug,
) -> Result<Vec<Endpoint>, OpError> {
    authorize(app, caller, org).await?;
    Ok(app.store.all(&webhooks::endpoints(org)).await?)
}

async fn endpoint(app: &App, org: &OrgSlug, id: &str) -> Result<Endpoint, OpError> {
    app.store
        .endpoint(org, id)
        .await?
        .ok_or(OpError::WebhookNotFound)
}

pub async fn update_endpoint(
    app: &App,
    caller: &Caller,
    org: &OrgSlug,
    id: &str,
    change: EndpointChange,
) -> Result<Endpoint, OpError> {
    let membership = authorize(app, caller, org).await?;
    let mut found = endpoint(app, org, id).await?;
    let mut tx = Transaction::new();
    tx.push(
        "endpoint",
        webhooks::update_endpoint(org, id, &change, app.now()),
    );
    if let Some(enabled) = change.enabled {
        found.enabled = enabled;
        if enabled {
            found.disabled_reason = None;
            found.failing_since = None;
        }
    }
    if let Some(types) = change.event_types {
        found.event_types = types;
    }
    if let Some(description) = change.description {
        found.description = description;
    }
    let audit = Audit::new("webhook.updated", id, detail(&found));
    commit_endpoint(app, &membership, tx, audit).await?;
    Ok(found)
}

pub async fn delete_endpoint(
    app: &App,
    caller: &Caller,
    org: &OrgSlug,
    id: &str,
) -> Result<(), OpError> {
    let membership = authorize(app, caller, org).await?;
    let mut tx = Transaction::new();
    tx.push("endpoint", webhooks::delete_endpoint(org, id));
    let audit = Audit::new("webhook.deleted", id, json!({}));
    commit_endpoint(app, &membership, tx, audit).await
}

/// Commits a write of one endpoint, which fails when the endpoint was
/// deleted (or, for a rotation, rotated by someone else) meanwhile.
async fn commit_endpoint(
    app: &App,
    membership: &Membership,
    tx: Transaction,
    audit: Audit,
) -> Result<(), OpError> {
    match membership.commit(app, tx, audit).await? {
        Ok(()) => Ok(()),
        Err(lost) if lost.on("endpoint") => Err(OpError::WebhookNotFound),
        Err(lost) => Err(lost.into()),
    }
}

/// The next generation's secret; the previous one keeps signing for a day.
pub async fn rotate_secret(
    app: &App,
    caller: &Caller,
    org: &OrgSlug,
    id: &str,
) -> Result<WithSecret, OpError> {
    let membership = authorize(app, caller, org).await?;
    let key = signing_key(app)?;
    let mut found = endpoint(app, org, id).await?;
    let now = app.now();
    let mut tx = Transaction::new();
    tx.push("endpoint", webhooks::rotate_endpoint(&found, now));
    let audit = Audit::new(
        "webhook.secret_rotated",
        id,
        json!({"generation": found.generation + 1}),
    );
    commit_endpoint(app, &membership, tx, audit).await?;
    found.generation += 1;
    found.rotated_at = Some(now);
    let secret = key.endpoint_secret(org, id, found.generation).expose();
    Ok(WithSecret {
        endpoint: found,
        secret,
    })
}

pub async fn list_deliveries(
    app: &App,
    caller: &Caller,
    org: &OrgSlug,
    id: &str,
    page: PageRequest,
) -> Listed<Delivery> {
    let query = webhooks::deliveries(org, id);
    let (_, page) = authorized_page(app, caller, org, Action::ManageWebhooks, query, page).await?;
    Ok(page)
}

/// Queues a delivery again at once (it keeps its attempts); while an attempt
/// is under way, answers the delivery as it is.
pub async fn redeliver(
    app: &App,
    caller: &Caller,
    org: &OrgSlug,
    id: &str,
    delivery: &str,
) -> Result<Delivery, OpError> {
    let position = Delivery::position_of(delivery).ok_or(OpError::DeliveryNotFound)?;
    let membership = authorize(app, caller, org).await?;
    let mut tx = Transaction::new();
    tx.push(
        "delivery",
        webhooks::redeliver(org, id, position, app.now()),
    );
    let audit = Audit::new("webhook.redelivered", id, json!({"delivery": delivery}));
    match membership.commit(app, tx, audit).await? {
        // Queued; or an attempt is under way, whose outcome the answer shows
        // once it is recorded (gone: not found).
        Ok(()) => {}
        Err(lost) if lost.on("delivery") => {}
        Err(lost) => return Err(lost.into()),
    }
    app.store
        .delivery(org, id, position)
        .await?
        .ok_or(OpError::DeliveryNotFound)
}
