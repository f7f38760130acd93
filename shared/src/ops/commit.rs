//! An operation's one write: its named actions, the audit entry recording
//! it, and for privileged writes the condition that the caller still holds
//! the role they were authorized with. The caller losing that role answers
//! `forbidden`; any other failed condition comes back by name ([`Lost`]) for
//! the operation to read (see the module doc of [`crate::ops`]).
//!
//! The audit entry names its actor by the membership the write acts under
//! (the email stored when they joined or created the org), never by the
//! email claim of the request, which may be unverified or changed since; an
//! API key by its name and id.

use super::{Membership, OpError};
use crate::App;
use crate::domain::{AuditEntry, Member, OrgSlug};
use crate::store::{StoreError, Transaction, audit};

/// What an operation did, to whom, with which details (ids, emails, roles,
/// counts: never a secret).
pub struct Audit {
    pub action: &'static str,
    pub target: String,
    pub detail: serde_json::Value,
}

impl Audit {
    pub fn new(action: &'static str, target: impl Into<String>, detail: serde_json::Value) -> Self {
        Self {
            action,
            target: target.into(),
            detail,
        }
    }
}

/// A write cancelled on the conditions of some of its named actions.
#[derive(Debug)]
pub struct Lost(StoreError);

impl Lost {
    /// Whether the action pushed under `name` failed its condition.
    pub fn on(&self, name: &str) -> bool {
        self.0.failed(name)
    }
}

impl From<Lost> for OpError {
    /// A failed condition the operation did not expect is a bug, not a race.
    fn from(lost: Lost) -> Self {
        lost.0.into()
    }
}

/// Who an audit entry names: an id and how to show it.
pub struct Actor {
    id: String,
    label: String,
}

impl From<&Member> for Actor {
    fn from(member: &Member) -> Self {
        Self {
            id: member.user_id.to_string(),
            label: member.email.to_string(),
        }
    }
}

impl From<&Membership> for Actor {
    fn from(membership: &Membership) -> Self {
        match &membership.key {
            Some(key) => Self {
                id: key.caller_id().to_string(),
                label: key.label(),
            },
            None => (&membership.caller).into(),
        }
    }
}

impl Audit {
    /// The entry this records, by `actor` at `at`.
    pub fn entry(self, actor: impl Into<Actor>, at: chrono::DateTime<chrono::Utc>) -> AuditEntry {
        let actor = actor.into();
        AuditEntry {
            at,
            actor_id: Some(actor.id),
            actor: actor.label,
            action: self.action.to_owned(),
            target: self.target,
            detail: self.detail,
        }
    }
}

/// Commits `tx` with its audit entry in `org`, by `actor` (the membership the
/// caller acts under, or is creating); with `guard`, also the caller's role
/// check (pushed under `caller`).
pub async fn commit(
    app: &App,
    actor: impl Into<Actor>,
    org: &OrgSlug,
    mut tx: Transaction,
    audit: Audit,
    guard: Option<&Membership>,
) -> Result<Result<(), Lost>, OpError> {
    let entry = audit.entry(actor, app.now());
    tx.push("audit", audit::record(org, &entry));
    if let Some(membership) = guard {
        membership.guard(&mut tx);
    }
    match app.store.transact(tx).await {
        Ok(()) => Ok(Ok(())),
        Err(err) if err.failed("caller") => Err(OpError::Forbidden),
        Err(err) if err.is_condition_failed() => Ok(Err(Lost(err))),
        Err(err) => Err(err.into()),
    }
}

impl Membership {
    /// A privileged write: [`commit`] by the caller's membership, with its
    /// role guard.
    pub async fn commit(
        &self,
        app: &App,
        tx: Transaction,
        audit: Audit,
    ) -> Result<Result<(), Lost>, OpError> {
        commit(app, self, &self.org.slug, tx, audit, Some(self)).await
    }
}
