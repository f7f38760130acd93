//! The invite pipeline that invites, resends and import chunks share:
//! [`screen`] the rows as they arrived (invalid and duplicate rows are
//! decided there), [`lookup`] what the org already holds for the rest (members,
//! invitations, revoked markers, suppressions; batched reads), [`decide`] each
//! candidate's outcome and the invitation to write (pure), and [`write`] the
//! invitations with their mail in transactions that may carry more named
//! actions (the limit counters, an import job's progress).

pub(crate) mod decide;
pub(crate) mod lookup;
pub(crate) mod screen;
pub(crate) mod write;

use crate::domain::{Email, Invalid, InvitationId, Role};
use std::collections::HashMap;

/// Calls in flight at once for one request.
const CONCURRENCY: usize = 4;

/// One requested invitation, as it arrived (the email not yet parsed).
#[derive(Debug, Clone)]
pub struct InviteRow {
    pub email: String,
    pub role: Result<Role, Invalid>,
    pub seat: Result<bool, Invalid>,
}

/// A key never invites an admin: a leaked one could otherwise raise a person
/// of its choosing, who would then mint keys of their own (as for a role
/// change). Checked before any read.
pub fn no_admin_invited_by_key(
    caller: &crate::ops::Caller,
    rows: &[InviteRow],
) -> Result<(), crate::ops::OpError> {
    if rows.iter().any(|row| row.role == Ok(Role::Admin)) {
        caller.require_person()?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Invited(InvitationId),
    AlreadyMember,
    AlreadyInvited(InvitationId),
    Invalid(String),
    Duplicate,
    /// An import job's row past the room an abuse limit left (the synchronous
    /// path refuses the whole upload with a 429 instead).
    LimitExceeded,
    /// The org no longer mails this address (it bounced for good or its
    /// owner complained); an admin can clear it.
    AlreadySuppressed,
    /// The org mailed this address an invitation less than the
    /// `resend_cooldown` ago (and revoked it since, or it expired).
    Cooldown,
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Invited(_) => "invited",
            Self::AlreadyMember => "already_member",
            Self::AlreadyInvited(_) => "already_invited",
            Self::Invalid(_) => "invalid",
            Self::Duplicate => "duplicate",
            Self::LimitExceeded => "limit_exceeded",
            Self::AlreadySuppressed => "already_suppressed",
            Self::Cooldown => "cooldown",
        }
    }
}

#[derive(Debug)]
pub struct RowResult {
    /// Counted from 1.
    pub row: usize,
    pub email: String,
    pub outcome: Outcome,
}

/// A row that parsed and is not a duplicate: what the lookups decide on.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) index: usize,
    pub(crate) email: Email,
    pub(crate) role: Role,
    pub(crate) seat: bool,
}

/// Counts per outcome, for the answer's `summary`.
pub fn summary(results: &[RowResult]) -> HashMap<&'static str, usize> {
    let mut counts: HashMap<&'static str, usize> = [
        "invited",
        "already_member",
        "already_invited",
        "invalid",
        "duplicate",
        "already_suppressed",
        "cooldown",
    ]
    .into_iter()
    .map(|k| (k, 0))
    .collect();
    for r in results {
        *counts.entry(r.outcome.name()).or_default() += 1;
    }
    counts
}
