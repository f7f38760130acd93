//! The JSON shapes of the contract, built from domain values.

use crate::domain::import::ImportJob;
use crate::domain::{Invitation, Member, Org};
use crate::ops::invite_members::{Outcome, RowResult};
use crate::store::audit::AuditEntry;
use crate::store::tokens::StoredToken;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn org(org: &Org) -> Value {
    json!({
        "slug": org.slug,
        "name": org.name,
        "seat_limit": org.seat_limit,
        "seats_used": org.seats_used,
        "created_at": time(org.created_at),
    })
}

pub fn member(member: &Member) -> Value {
    json!({
        "user_id": member.user_id,
        "email": member.email,
        "role": member.role,
        "seat": member.seat_assigned_at.map(|at| json!({"assigned_at": time(at)})),
        "joined_at": time(member.joined_at),
    })
}

pub fn invitation(inv: &Invitation, now: DateTime<Utc>) -> Value {
    json!({
        "id": inv.id().as_str(),
        "email": inv.email,
        "role": inv.role,
        "seat": inv.seat,
        "status": inv.state(now).as_str(),
        "invited_by": inv.invited_by,
        "created_at": time(inv.created_at),
        "expires_at": time(inv.expires_at),
        "email_status": inv.email_status.as_str(),
    })
}

pub fn token(token: &StoredToken) -> Value {
    json!({
        "id": token.id,
        "name": token.name,
        "user_id": token.user_id,
        "channels": token.channels.to_strings(),
        "created_at": time(token.created_at),
        "expires_at": time(token.expires_at),
    })
}

pub fn audit(entry: &AuditEntry) -> Value {
    json!({
        "at": time(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "detail": entry.detail,
    })
}

/// One row of an invitation upload's outcomes (synchronous answer or job).
pub fn invite_row(r: &RowResult) -> Value {
    let mut row = json!({"row": r.row, "email": r.email, "outcome": r.outcome.name()});
    match &r.outcome {
        Outcome::Invited(id) | Outcome::AlreadyInvited(id) => {
            row["invitation_id"] = json!(id.as_str());
        }
        Outcome::Invalid(reason) => row["error"] = json!(reason),
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
        "created_at": time(job.created_at),
        "updated_at": time(job.updated_at),
        "finished_at": job.finished_at.map(time),
        "error": job.error,
    })
}

#[derive(Serialize)]
pub struct List {
    pub items: Vec<Value>,
    pub next_cursor: Option<String>,
}
