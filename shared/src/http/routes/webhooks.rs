//! Webhook endpoints, one function for their seven routes (one resource and
//! one permission):
//! `POST /orgs/{org}/webhooks`, `GET /orgs/{org}/webhooks`,
//! `PATCH /orgs/{org}/webhooks/{id}`, `DELETE /orgs/{org}/webhooks/{id}`,
//! `POST /orgs/{org}/webhooks/{id}/rotate-secret`,
//! `GET /orgs/{org}/webhooks/{id}/deliveries` and
//! `POST /orgs/{org}/webhooks/{id}/deliveries/{delivery}/redeliver`.
use crate::App;
use crate::domain::events::EventType;
use crate::domain::webhook::Endpoint;
use crate::http::idempotency::SecretShownOnce;
use crate::http::request::{json, org_slug, page, parsed, path_param};
use crate::http::route_table;
use crate::http::{ApiError, response, views};
use crate::ops::Caller;
use crate::ops::webhooks::manage::{self, NewEndpoint};
use crate::store::webhooks::EndpointChange;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;

/// Characters of an endpoint's description.
const MAX_DESCRIPTION: usize = 200;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Create {
    url: String,
    #[serde(default)]
    event_types: Vec<String>,
    #[serde(default)]
    description: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Update {
    enabled: Option<bool>,
    event_types: Option<Vec<String>>,
    description: Option<String>,
}

super::handle_with!(run);

async fn run(app: &App, req: &Request, caller: Caller) -> Result<Response<Body>, ApiError> {
    let org = org_slug(req)?;
    // An id of the wrong shape names no endpoint.
    let id = || {
        path_param(req, "id")
            .ok()
            .filter(|id| Endpoint::is_id(id))
            .ok_or(ApiError::from(crate::ops::OpError::WebhookNotFound))
    };
    match (req.method().as_str(), route_path(req)) {
        ("POST", "/orgs/{org}/webhooks") => {
            let input: Create = json(req)?;
            let new = NewEndpoint {
                org,
                url: input.url,
                event_types: types(&input.event_types)?,
                description: description(input.description)?,
            };
            let created = manage::create_endpoint(app, &caller, new).await?;
            let resp = response::json(201, &views::webhook_with_secret(&created));
            Ok(SecretShownOnce::mark(resp, created.endpoint.id.clone()))
        }
        ("GET", "/orgs/{org}/webhooks") => {
            let items = manage::list_endpoints(app, &caller, &org).await?;
            let items: Vec<_> = items.iter().map(views::webhook).collect();
            Ok(response::ok(&json!({ "items": items })))
        }
        ("PATCH", "/orgs/{org}/webhooks/{id}") => {
            let input: Update = json(req)?;
            let change = EndpointChange {
                enabled: input.enabled,
                event_types: input.event_types.as_deref().map(types).transpose()?,
                description: input.description.map(description).transpose()?,
            };
            let updated = manage::update_endpoint(app, &caller, &org, &id()?, change).await?;
            Ok(response::ok(&views::webhook(&updated)))
        }
        ("DELETE", "/orgs/{org}/webhooks/{id}") => {
            manage::delete_endpoint(app, &caller, &org, &id()?).await?;
            Ok(response::no_content())
        }
        ("POST", "/orgs/{org}/webhooks/{id}/rotate-secret") => {
            let rotated = manage::rotate_secret(app, &caller, &org, &id()?).await?;
            let resp = response::ok(&views::webhook_with_secret(&rotated));
            Ok(SecretShownOnce::mark(resp, rotated.endpoint.id.clone()))
        }
        ("GET", "/orgs/{org}/webhooks/{id}/deliveries") => {
            let listed = manage::list_deliveries(app, &caller, &org, &id()?, page(req)?).await?;
            Ok(response::ok(&views::page(&listed, views::delivery)))
        }
        ("POST", "/orgs/{org}/webhooks/{id}/deliveries/{delivery}/redeliver") => {
            let delivery = path_param(req, "delivery")?;
            let queued = manage::redeliver(app, &caller, &org, &id()?, &delivery).await?;
            Ok(response::json(202, &views::delivery(&queued)))
        }
        _ => Err(crate::ops::OpError::WebhookNotFound.into()),
    }
}

/// The route this request was made to (API Gateway's route key deployed,
/// the path matched against the route table locally).
fn route_path(req: &Request) -> &'static str {
    let route_key = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.route_key.as_deref(),
        _ => None,
    };
    route_table::resolve(req.method().as_str(), route_key, req.uri().path()).map_or("", |r| r.path)
}

fn types(raw: &[String]) -> Result<Vec<EventType>, ApiError> {
    parsed(
        "event_types",
        EventType::parse_list(raw.iter().map(String::as_str)),
    )
}

fn description(raw: String) -> Result<String, ApiError> {
    let trimmed = raw.trim();
    if trimmed.chars().count() > MAX_DESCRIPTION || trimmed.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "description",
            format!("at most {MAX_DESCRIPTION} characters, on one line"),
        ));
    }
    Ok(trimmed.to_owned())
}
