//! The JSON shapes of the contract, built from domain values and operation
//! results: every success body of every route is built here.

use crate::domain::import::ImportJob;
use crate::domain::time::rfc3339;
use crate::domain::{
    AccessToken, ApiKey, AuditEntry, Credential, Inactive, Invitation, Member, Org, Suppression,
    echo,
};
use crate::ops::Page;
use crate::ops::api_keys::create::CreatedKey;
use crate::ops::imports::get::ImportPage;
use crate::ops::invitations::accept::Accepted;
use crate::ops::invitations::limits::LimitCheck;
use crate::ops::invitations::pipeline::{Outcome, RowResult, summary};
use crate::ops::invitations::preview::Offer;
use crate::ops::members::my_orgs::MyOrg;
use crate::ops::tokens::issue::IssuedToken;
use crate::ops::tokens::list::ListedToken;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

pub fn org(org: &Org) -> Value {
    json!({
        "slug": org.slug,
        "name": org.name,
        "seat_limit": org.seat_limit,
        "idle_seat_days": org.idle_seat_days,
        "invitation_reminder_day": org.invitation_reminder_day,
        "expired_invitations_digest": org.expired_digest,
        "seats_used": org.seats_used,
        "created_at": rfc3339(org.created_at),
    })
}

pub fn member(member: &Member) -> Value {
    json!({
        "user_id": member.user_id,
        "email": member.email,
        "role": member.role,
        "seat": member.seat_assigned_at.map(|at| json!({
            "assigned_at": rfc3339(at),
            "last_used_at": member.seat_last_used_at.map(rfc3339),
        })),
        "joined_at": rfc3339(member.joined_at),
    })
}

/// `GET /me/orgs`: each org with the caller's role and seat in it.
pub fn my_orgs(items: &[MyOrg]) -> Value {
    let items: Vec<Value> = items
        .iter()
        .map(|m| json!({"org": org(&m.org), "role": m.member.role, "seat": m.member.has_seat()}))
        .collect();
    json!({ "items": items })
}

pub fn invitation(inv: &Invitation, now: DateTime<Utc>) -> Value {
    json!({
        "id": inv.id().as_str(),
        "email": inv.email,
        "role": inv.role,
        "seat": inv.seat,
        "status": inv.state(now).as_str(),
        "invited_by": inv.invited_by,
        "created_at": rfc3339(inv.created_at),
        "expires_at": rfc3339(inv.expires_at),
        "email_status": inv.email_status.as_str(),
        "reminder_at": inv.remind_at.map(rfc3339),
    })
}

/// `POST /orgs/{org}/invitations`: one outcome per row, their counts, and
/// where the request stands against the org's limits (in a dry run,
/// `would_refuse` says what a real upload would be refused for, with 429).
pub fn invite_results(results: &[RowResult], limits: &[LimitCheck], dry_run: bool) -> Value {
    let rows: Vec<Value> = results.iter().map(invite_row).collect();
    let limits: Vec<Value> = limits
        .iter()
        .map(|c| {
            json!({
                "limit": c.limit.name(),
                "max": c.max,
                "used": c.used,
                "requested": c.requested,
                "would_refuse": c.refused().is_some(),
                "retry_after": c.refused().map(|r| r.retry_after_secs),
            })
        })
        .collect();
    json!({"dry_run": dry_run, "summary": summary(results), "results": rows, "limits": limits})
}

/// One row of an invitation upload's outcomes (synchronous answer or job).
pub fn invite_row(r: &RowResult) -> Value {
    let mut row = json!({"row": r.row, "email": echo(&r.email), "outcome": r.outcome.name()});
    match &r.outcome {
        Outcome::Invited(id) | Outcome::AlreadyInvited(id) => {
            row["invitation_id"] = json!(id.as_str());
        }
        Outcome::Invalid(reason) => row["error"] = json!(echo(reason)),
        _ => {}
    }
    row
}

/// An import job: status, progress and counts per outcome so far.
pub fn import_job(job: &ImportJob) -> Value {
    json!({
        "id": job.id.as_str(),
        "status": job.status.as_str(),
        "rows": job.rows,
        "processed": job.processed(),
        "summary": job.counts,
        "created_by": job.created_by_email,
        "created_at": rfc3339(job.created_at),
        "updated_at": rfc3339(job.updated_at),
        "finished_at": job.finished_at.map(rfc3339),
        "error": job.error,
    })
}

/// `GET /orgs/{org}/imports/{id}`: the job and a page of its per-row outcomes.
pub fn import_page(page: &ImportPage) -> Value {
    let mut body = import_job(&page.job);
    body["results"] = json!(page.results.iter().map(invite_row).collect::<Vec<_>>());
    body["next_cursor"] = json!(page.next_cursor.as_ref().map(|c| c.as_str()));
    body
}

/// `POST /invitations/accept`.
pub fn accepted(accepted: &Accepted) -> Value {
    json!({"org": org(&accepted.org), "role": accepted.role, "seat": accepted.seat})
}

/// What a token and an API key show alike: never the secret (nor its hash).
fn credential(c: &Credential) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "created_at": rfc3339(c.created_at),
        "expires_at": rfc3339(c.expires_at),
        "last_used_at": c.last_used_at.map(rfc3339),
    })
}

pub fn token(token: &AccessToken) -> Value {
    let mut view = credential(&token.credential);
    view["user_id"] = json!(token.user_id);
    view["channels"] = json!(token.channels.to_strings());
    view
}

/// A token in a listing: whether it still works and, when not, why.
pub fn listed_token(listed: &ListedToken) -> Value {
    let mut view = token(&listed.token);
    view["active"] = json!(listed.inactive.is_none());
    view["inactive_reason"] = json!(listed.inactive.map(Inactive::as_str));
    view
}

/// A new token: the only answer that ever shows its secret.
pub fn issued_token(issued: &IssuedToken) -> Value {
    let mut view = token(&issued.token);
    view["token"] = json!(issued.secret);
    view
}

/// What a CSV upload's answer says of how the file was read.
pub fn add_csv_format(answer: &mut Value, format: Option<crate::http::csv_upload::Format>) {
    if let Some(format) = format {
        answer["csv"] = json!({"encoding": format.encoding, "delimiter": format.delimiter_name()});
    }
}

/// An API key as listed: never its secret.
pub fn api_key(key: &ApiKey) -> Value {
    let mut view = credential(&key.credential);
    view["role"] = json!(key.role.as_str());
    view["scope"] = json!(key.scope.as_str());
    view["created_by"] = json!(key.created_by_email);
    view
}

/// A new API key: the only answer that ever shows its secret.
pub fn created_api_key(created: &CreatedKey) -> Value {
    let mut view = api_key(&created.key);
    view["key"] = json!(created.secret);
    view
}

/// `POST /tokens/introspect`: every inactive token looks the same.
pub fn introspection(found: Option<&AccessToken>) -> Value {
    match found {
        Some(t) => json!({
            "active": true,
            "org": t.credential.org,
            "user_id": t.user_id,
            "channels": t.channels.to_strings(),
            "expires_at": rfc3339(t.credential.expires_at),
        }),
        None => json!({"active": false}),
    }
}

pub fn audit(entry: &AuditEntry) -> Value {
    json!({
        "at": rfc3339(entry.at),
        "actor_id": entry.actor_id,
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "detail": entry.detail,
    })
}

pub fn suppression(sup: &Suppression) -> Value {
    json!({
        "id": sup.id().as_str(),
        "email": sup.email,
        "reason": sup.reason.as_str(),
        "detail": sup.detail,
        "suppressed_at": rfc3339(sup.at),
    })
}

/// A page of a listing: `items` and `next_cursor` (null on the last page).
pub fn page<T>(page: &Page<T>, view: impl Fn(&T) -> Value) -> Value {
    json!({
        "items": page.items.iter().map(view).collect::<Vec<_>>(),
        "next_cursor": page.next.as_ref().map(|c| c.as_str()),
    })
}

/// What an invitation offers its invitee: not the org's seat counts.
pub fn offer(offer: &Offer) -> Value {
    json!({
        "org": {"slug": offer.org.slug, "name": offer.org.name},
        "email": offer.invitation.email,
        "role": offer.invitation.role,
        "seat": offer.invitation.seat,
        "invited_by": offer.invitation.invited_by,
        "expires_at": rfc3339(offer.invitation.expires_at),
    })
}

/// A directory group as the console shows it: what it grants in Roster.
pub fn directory_group(group: &crate::domain::directory::DirGroup) -> Value {
    json!({
        "id": group.id,
        "display_name": group.display_name,
        "external_id": group.external_id,
        "members": group.members.len(),
        "grants": group.grants.map(|g| g.as_str()),
        "updated_at": rfc3339(group.meta.modified),
    })
}

/// `GET /orgs/{org}/directory`.
pub fn directory(
    org: &crate::domain::OrgSlug,
    overview: &crate::ops::directory::grants::Overview,
) -> Value {
    json!({
        "scim_base_path": format!("/scim/v2/orgs/{org}"),
        "users": overview.users,
        "active_users": overview.active_users,
        "awaiting_sign_in": overview.awaiting_sign_in,
        "groups": overview.groups.iter().map(directory_group).collect::<Vec<_>>(),
    })
}

/// An event as the feed, the bus and webhooks carry it.
pub fn event(event: &crate::domain::events::Event) -> Value {
    event.to_json()
}

/// A webhook endpoint (never its secret).
pub fn webhook(e: &crate::domain::webhook::Endpoint) -> Value {
    json!({
        "id": e.id,
        "url": e.url,
        "event_types": e.event_types.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        "description": e.description,
        "enabled": e.enabled,
        "disabled_reason": e.disabled_reason,
        "created_at": rfc3339(e.created_at),
        "secret_rotated_at": e.rotated_at.map(rfc3339),
        "last_success_at": e.last_success_at.map(rfc3339),
        "failing_since": e.failing_since.map(rfc3339),
    })
}

/// An endpoint with its secret: the one answer that shows it.
pub fn webhook_with_secret(created: &crate::ops::webhooks::manage::WithSecret) -> Value {
    json!({"webhook": webhook(&created.endpoint), "secret": created.secret})
}

pub fn delivery(d: &crate::domain::webhook::Delivery) -> Value {
    json!({
        "id": d.id(),
        "event_id": d.event_id,
        "event_type": d.event_type.as_str(),
        "status": d.status.as_str(),
        "created_at": rfc3339(d.created_at),
        "next_attempt_at": d.next_attempt_at.map(rfc3339),
        "attempts": d.attempts.iter().map(|a| json!({
            "at": rfc3339(a.at),
            "status_code": a.status_code,
            "error": a.error,
            "duration_ms": a.duration_ms,
        })).collect::<Vec<_>>(),
    })
}
