//! `POST /orgs/{org}/invitations`: invite many people at once, reporting one
//! outcome per row. Reads are batched (50 emails per `BatchGetItem`), writes go
//! in transactions of up to 49 invitations (invitation + outbox mail each, one
//! audit entry per transaction), so N rows cost about N/25 calls. Re-sending the
//! same rows changes nothing: pending invitations report `already_invited`.
//! Addresses the org suppressed (a hard bounce or a complaint) report
//! `already_suppressed`; they are looked up only when the org has any, so
//! an org without suppressions pays no extra call. An address mailed less
//! than the `resend_cooldown` ago reports `cooldown`, whether that mail was
//! an invite, a resend or an import row, and whether its invitation was
//! revoked since (the revoked marker is read with the invitation: no extra
//! call).

use super::limits::{LimitCheck, OrgLimits};
use super::pipeline::decide::{Deciding, decide};
use super::pipeline::lookup::{
    EMAILS_PER_READ, Existing, authorize_inviter, lookup, lookup_suppressed,
};
use super::pipeline::screen::screen;
use super::pipeline::write::write_invitations;
use super::pipeline::{Candidate, InviteRow, Outcome, RowResult};
use crate::App;
use crate::domain::OrgSlug;
use crate::ops::{Caller, Membership, OpError};

/// What to invite: the rows as they arrived, and whether only to report.
pub struct Invite {
    pub org: OrgSlug,
    pub rows: Vec<InviteRow>,
    pub dry_run: bool,
}

pub async fn invite_members(
    app: &App,
    caller: &Caller,
    input: Invite,
) -> Result<(Vec<RowResult>, Vec<LimitCheck>), OpError> {
    caller.require_verified()?;
    super::pipeline::no_admin_invited_by_key(caller, &input.rows)?;
    let slug = &input.org;
    let (mut results, candidates) = screen(input.rows);
    let now = app.now();
    let limits = OrgLimits::new(slug, now, &app.config.limits);
    let (membership, existing) = look_up(app, caller, slug, &limits, &candidates).await?;
    let at = Deciding::new(now, &app.config.limits);
    let to_invite = decide(&membership, candidates, &existing, at, &mut results);
    // Replacing an expired invitation keeps the open count.
    let new_items = to_invite
        .iter()
        .filter(|(_, inv)| existing.opens_new(inv))
        .count() as u32;
    let amounts = [to_invite.len() as u32, new_items];
    let checks = limits.checks(&membership.found, amounts);
    if input.dry_run || to_invite.is_empty() {
        return Ok((results, checks.to_vec()));
    }
    if let Some(over) = checks.iter().find_map(LimitCheck::refused) {
        return Err(OpError::LimitExceeded(over));
    }
    // Taken in the request's first write, for all its rows: the count and
    // the first invitations commit together, and a concurrent request that
    // took the room makes this one refuse before anything is written.
    let takes = limits.takes(amounts).into_iter().flatten().collect();
    for index in write_invitations(app, &membership, to_invite, takes).await? {
        if let Outcome::Invited(id) = &results[index].outcome {
            results[index].outcome = Outcome::AlreadyInvited(id.clone());
        }
    }
    Ok((results, checks.to_vec()))
}

/// The authorizing read, which also carries the first batch of lookups and
/// the org's two limit counters, then the rest of the lookups.
async fn look_up(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    limits: &OrgLimits,
    candidates: &[Candidate],
) -> Result<(Membership, Existing), OpError> {
    let first = candidates.len().min(EMAILS_PER_READ - 2);
    let counters = limits.counters();
    let membership = authorize_inviter(app, caller, slug, &candidates[..first], counters).await?;
    let mut found = membership.found.clone();
    lookup(app, slug, &candidates[first..], &mut found).await?;
    lookup_suppressed(app, &membership, candidates, &mut found).await?;
    Ok((membership, Existing::from(found)))
}
