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

use super::limits::{LimitCheck, PENDING_RETRY_SECS, Take};
use super::pipeline::decide::decide;
use super::pipeline::lookup::{EMAILS_PER_READ, Existing, lookup, lookup_reads, lookup_suppressed};
use super::pipeline::screen::screen;
use super::pipeline::write::write_invitations;
use super::pipeline::{InviteRow, Outcome, RowResult};
use crate::App;
use crate::domain::{Action, Limit, OrgSlug};
use crate::ops::{Caller, Membership, OpError};
use crate::store::quotas;

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
    let slug = &input.org;
    let (mut results, candidates) = screen(input.rows);
    // The first batch of lookups, and the org's two limit counters, ride
    // along with the authorizing read.
    let now = app.now();
    let counters = [
        quotas::org_invites_today(slug, now),
        quotas::org_pending(slug),
    ];
    let first = candidates.len().min(EMAILS_PER_READ - 2);
    let reads = lookup_reads(slug, &candidates[..first])
        .quota(counters[0].clone())
        .quota(counters[1].clone());
    let membership = Membership::load(app, slug, caller, reads).await?;
    membership.require(Action::ManageInvitations)?;
    let mut found = membership.found.clone();
    lookup(app, slug, &candidates[first..], &mut found).await?;
    lookup_suppressed(app, &membership, &candidates, &mut found).await?;
    let existing = Existing::from(found);
    let to_invite = decide(app, &membership, candidates, &existing, &mut results);
    // Replacing an expired invitation keeps the open count.
    let new_items = to_invite
        .iter()
        .filter(|(_, inv)| existing.opens_new(inv))
        .count() as u32;
    let limits = app.config.limits;
    let checks = vec![
        LimitCheck::new(
            Limit::InvitationsPerOrgPerDay,
            limits.invitations_per_org_per_day,
            membership.found.quota_used(&counters[0]),
            to_invite.len() as u32,
            quotas::daily_refusal(
                Limit::InvitationsPerOrgPerDay,
                limits.invitations_per_org_per_day,
                now,
            )
            .retry_after_secs,
        ),
        LimitCheck::new(
            Limit::PendingInvitationsPerOrg,
            limits.pending_invitations_per_org,
            membership.found.quota_used(&counters[1]),
            new_items,
            PENDING_RETRY_SECS,
        ),
    ];
    if input.dry_run || to_invite.is_empty() {
        return Ok((results, checks));
    }
    if let Some(over) = checks.iter().find_map(LimitCheck::refused) {
        return Err(OpError::LimitExceeded(over));
    }
    // Taken in the request's first write, for all its rows: the count and
    // the first invitations commit together, and a concurrent request that
    // took the room makes this one refuse before anything is written.
    let [today, pending] = counters;
    let takes: Vec<Take> = [
        (
            "invites_today",
            quotas::take(
                today,
                to_invite.len() as u32,
                limits.invitations_per_org_per_day,
                quotas::daily(now),
            ),
            checks[0].refusal(),
        ),
        (
            "pending",
            quotas::take(pending, new_items, limits.pending_invitations_per_org, None),
            checks[1].refusal(),
        ),
    ]
    .into_iter()
    .filter_map(|(name, take, refusal)| take.map(|t| (name, t, refusal)))
    .collect();
    for index in write_invitations(app, &membership, to_invite, takes).await? {
        if let Outcome::Invited(id) = &results[index].outcome {
            results[index].outcome = Outcome::AlreadyInvited(id.clone());
        }
    }
    Ok((results, checks))
}
