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

use super::commit::Audit;
use super::{Caller, Membership, OpError};
use crate::App;
use crate::domain::invitation::expires_at;
use crate::domain::{
    Action, Email, EmailStatus, Invalid, Invitation, InvitationId, InvitationState, Limit,
    LimitExceeded, MailKind, OrgName, OrgSlug, OutboxMessage, Role,
};
use crate::store::tx::Action as TxAction;
use crate::store::{
    Found, Item, MAX_BATCH_GET_KEYS, MAX_TRANSACTION_ITEMS, Reads, Transaction, invitations,
    outbox, quotas,
};
use chrono::{DateTime, Utc};
use futures::future::try_join_all;
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// What to invite: the rows as they arrived, and whether only to report.
pub struct Invite {
    pub org: OrgSlug,
    pub rows: Vec<InviteRow>,
    pub dry_run: bool,
}

/// One requested invitation, as it arrived (the email not yet parsed).
#[derive(Debug, Clone)]
pub struct InviteRow {
    pub email: String,
    pub role: Result<Role, Invalid>,
    pub seat: Result<bool, Invalid>,
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

/// Emails looked up per `BatchGetItem` (two keys each).
const EMAILS_PER_READ: usize = MAX_BATCH_GET_KEYS / 2;
/// Invitations per transaction: two actions each, plus the audit entry and
/// the caller's authorization check.
pub(crate) const INVITES_PER_WRITE: usize = (MAX_TRANSACTION_ITEMS - 2) / 2;
/// Calls in flight at once for one request.
const CONCURRENCY: usize = 4;

/// A row that parsed and is not a duplicate: what the lookups decide on.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) index: usize,
    pub(crate) email: Email,
    pub(crate) role: Role,
    pub(crate) seat: bool,
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

/// A limit counter's update for the first write: its name in the
/// transaction, the action, and the refusal should its condition fail.
type Take = (&'static str, TxAction, LimitExceeded);

/// When to retry after the pending limit: open invitations free up as they
/// are accepted, revoked or removed, which no clock predicts.
const PENDING_RETRY_SECS: u64 = 3_600;

/// How a request stands against one limit (the answer's `limits`; a dry
/// run reports what the limits would refuse).
#[derive(Debug, Clone, Copy)]
pub struct LimitCheck {
    pub limit: Limit,
    pub max: u32,
    /// Counted before this request.
    pub used: i64,
    /// What this request adds.
    pub requested: u32,
    /// When a refused request could succeed.
    pub retry_after_secs: u64,
}

impl LimitCheck {
    fn new(limit: Limit, max: u32, used: i64, requested: u32, retry_after_secs: u64) -> Self {
        Self {
            limit,
            max,
            used,
            requested,
            retry_after_secs,
        }
    }

    /// The refusal this limit gives this request, if `used + requested`
    /// is over `max`.
    pub fn refused(&self) -> Option<LimitExceeded> {
        let over =
            self.requested > 0 && self.used + i64::from(self.requested) > i64::from(self.max);
        over.then(|| self.refusal())
    }

    /// The refusal this limit gives (also when its counter's condition fails
    /// because a concurrent request took the room).
    fn refusal(&self) -> LimitExceeded {
        LimitExceeded {
            limit: self.limit,
            max: self.max,
            retry_after_secs: self.retry_after_secs,
        }
    }
}

/// Parses each row: invalid and duplicate rows get their outcome now, the
/// others become candidates (their outcome is decided after the lookup).
pub(crate) fn screen(rows: Vec<InviteRow>) -> (Vec<RowResult>, Vec<Candidate>) {
    let mut results = Vec::with_capacity(rows.len());
    let mut candidates = Vec::new();
    let mut seen = HashSet::new();
    for (index, row) in rows.into_iter().enumerate() {
        let parsed = Email::parse(&row.email).and_then(|email| Ok((email, row.role?, row.seat?)));
        let (email, outcome) = match parsed {
            Err(reason) => (
                row.email.trim().to_owned(),
                Outcome::Invalid(reason.to_string()),
            ),
            Ok((email, _, _)) if !seen.insert(email.clone()) => {
                (row.email.trim().to_owned(), Outcome::Duplicate)
            }
            Ok((email, role, seat)) => {
                let shown = email.to_string();
                candidates.push(Candidate {
                    index,
                    email,
                    role,
                    seat,
                });
                // Placeholder until the lookup decides.
                (shown, Outcome::Duplicate)
            }
        };
        results.push(RowResult {
            row: index + 1,
            email,
            outcome,
        });
    }
    (results, candidates)
}

fn new_invitation(
    membership: &Membership,
    candidate: &Candidate,
    previous: Option<&Invitation>,
    now: DateTime<Utc>,
) -> Invitation {
    Invitation {
        org: membership.org.slug.clone(),
        email: candidate.email.clone(),
        role: candidate.role,
        seat: candidate.seat,
        // The address on the inviter's membership (verified when they joined
        // or created the org), never a claim that may have changed since.
        invited_by: membership.caller.email.clone(),
        invited_by_id: Some(membership.caller.user_id.clone()),
        created_at: now,
        expires_at: expires_at(now),
        generation: next_generation(now, previous.map(|p| p.generation)),
        token_hash: None,
        email_status: EmailStatus::Queued,
    }
}

/// Generations only grow, even across a delete and re-create of the item, so a
/// stale mail can never mint a link for a newer invitation.
pub fn next_generation(now: DateTime<Utc>, previous: Option<u64>) -> u64 {
    let clock = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    clock.max(previous.map_or(0, |p| p + 1))
}

/// The mail of an invitation at its current generation: delivery mints the
/// link only while the invitation is still at that generation.
pub fn invitation_mail(inv: &Invitation, org_name: &OrgName, now: DateTime<Utc>) -> OutboxMessage {
    OutboxMessage::new(
        inv.org.clone(),
        org_name.clone(),
        inv.email.clone(),
        MailKind::Invitation {
            invited_by: inv.invited_by.clone(),
            generation: inv.generation,
            expires_at: inv.expires_at,
        },
        now,
    )
}

/// The members and invitations among the candidates, indexed by email (a
/// bulk upload looks up thousands).
pub(crate) struct Existing {
    members: HashSet<Email>,
    invitations: HashMap<Email, Invitation>,
    suppressed: HashSet<Email>,
    /// Revoked invitations still in their mail cooldown, with its end.
    revoked: HashMap<Email, DateTime<Utc>>,
}

impl Existing {
    /// Whether writing `inv` opens a new invitation rather than replacing an
    /// expired one (what the open-invitations limit counts).
    pub(crate) fn opens_new(&self, inv: &Invitation) -> bool {
        !self.invitations.contains_key(&inv.email)
    }
}

impl From<Found> for Existing {
    fn from(found: Found) -> Self {
        Self {
            members: found.member_emails.into_iter().collect(),
            invitations: found
                .invitations
                .into_iter()
                .map(|inv| (inv.email.clone(), inv))
                .collect(),
            suppressed: found.suppressions.into_iter().map(|s| s.email).collect(),
            revoked: found.revoked.into_iter().collect(),
        }
    }
}

pub(crate) fn lookup_reads(slug: &OrgSlug, candidates: &[Candidate]) -> Reads {
    candidates.iter().fold(Reads::new(), |reads, c| {
        reads
            .invitation(slug, &c.email)
            .member_email(slug, &c.email)
    })
}

/// Adds the candidates' suppressions to `found`, if the org has any: one
/// more `BatchGetItem` per 100 candidates, only then.
pub(crate) async fn lookup_suppressed(
    app: &App,
    membership: &Membership,
    candidates: &[Candidate],
    found: &mut Found,
) -> Result<(), OpError> {
    if membership.org.suppressed == 0 {
        return Ok(());
    }
    let slug = &membership.org.slug;
    let reads = candidates
        .chunks(MAX_BATCH_GET_KEYS)
        .map(|chunk| {
            chunk
                .iter()
                .fold(Reads::new(), |reads, c| reads.suppression(slug, &c.email))
        })
        .collect();
    read_in_waves(app, reads, found).await
}

async fn lookup(
    app: &App,
    slug: &OrgSlug,
    candidates: &[Candidate],
    existing: &mut Found,
) -> Result<(), OpError> {
    let reads = candidates
        .chunks(EMAILS_PER_READ)
        .map(|chunk| lookup_reads(slug, chunk))
        .collect();
    read_in_waves(app, reads, existing).await
}

/// Sends `reads` [`CONCURRENCY`] at a time, adding what each finds to `found`.
async fn read_in_waves(app: &App, reads: Vec<Reads>, found: &mut Found) -> Result<(), OpError> {
    let mut reads = reads.into_iter().peekable();
    while reads.peek().is_some() {
        let wave: Vec<Reads> = reads.by_ref().take(CONCURRENCY).collect();
        let pages = try_join_all(wave.into_iter().map(|r| app.store.read(r))).await?;
        pages.into_iter().for_each(|page| found.extend(page));
    }
    Ok(())
}

/// Writes the invitations; returns the row indexes that lost a race with a
/// concurrent invite of the same email (they are `already_invited`).
async fn write_invitations(
    app: &App,
    membership: &Membership,
    to_invite: Vec<(usize, Invitation)>,
    takes: Vec<Take>,
) -> Result<Vec<usize>, OpError> {
    // The first transaction also carries the limit counters (two actions
    // fewer for invitations), and goes alone: the rest follow only once the
    // counters have admitted the request.
    let first_len = to_invite.len().min(INVITES_PER_WRITE - 1);
    let mut lost = write_chunk(app, membership, to_invite[..first_len].to_vec(), &takes).await?;
    let chunks: Vec<&[(usize, Invitation)]> =
        to_invite[first_len..].chunks(INVITES_PER_WRITE).collect();
    for wave in chunks.chunks(CONCURRENCY) {
        let results = try_join_all(
            wave.iter()
                .map(|chunk| write_chunk(app, membership, chunk.to_vec(), &[])),
        )
        .await?;
        lost.extend(results.into_iter().flatten());
    }
    Ok(lost)
}

/// One transaction of invitations (and their mail). Rows that lost a race
/// with a concurrent invite of the same email are dropped and the rest
/// written again; returns the lost rows.
async fn write_chunk(
    app: &App,
    membership: &Membership,
    mut chunk: Vec<(usize, Invitation)>,
    takes: &[Take],
) -> Result<Vec<usize>, OpError> {
    let mut lost = Vec::new();
    while !chunk.is_empty() {
        let (mut tx, audit) = chunk_transaction(app, membership, &chunk);
        for (name, take, _) in takes {
            tx.push(*name, take.clone());
        }
        match membership.commit(app, tx, audit).await? {
            Ok(()) => break,
            Err(failed) if takes.iter().any(|(name, _, _)| failed.on(name)) => {
                let (_, _, over) = takes
                    .iter()
                    .find(|(name, _, _)| failed.on(name))
                    .expect("found above");
                return Err(OpError::LimitExceeded(*over));
            }
            Err(failed) if (0..chunk.len()).any(|i| failed.on(&row_name(i))) => {
                let (gone, kept): (Vec<_>, Vec<_>) = chunk
                    .into_iter()
                    .enumerate()
                    .partition(|(i, _)| failed.on(&row_name(*i)));
                lost.extend(gone.into_iter().map(|(_, (index, _))| index));
                chunk = kept.into_iter().map(|(_, entry)| entry).collect();
            }
            Err(failed) => return Err(failed.into()),
        }
    }
    Ok(lost)
}

// Import jobs (`ops::import_chunk`) run each chunk through these: the same
// decision and the same invitation + mail transaction as the rows above,
// with the job's progress in that transaction.

/// Decides each looked-up candidate (`already_member`, `already_invited`,
/// `already_suppressed`, `cooldown` or `invited`) for [`invite_members`] and
/// import chunks, writing the outcome into `results[candidate.index]`;
/// returns the invitations to write.
pub(crate) fn decide(
    app: &App,
    membership: &Membership,
    candidates: Vec<Candidate>,
    existing: &Existing,
    results: &mut [RowResult],
) -> Vec<(usize, Invitation)> {
    let now = app.now();
    let cooldown = app.config.limits.resend_cooldown_secs;
    let mut to_invite = Vec::new();
    for candidate in candidates {
        let id = InvitationId::for_email(&candidate.email);
        results[candidate.index].outcome = if existing.members.contains(&candidate.email) {
            Outcome::AlreadyMember
        } else {
            match existing.invitations.get(&candidate.email) {
                Some(inv) if inv.state(now) == InvitationState::Pending => {
                    Outcome::AlreadyInvited(id)
                }
                _ if existing.suppressed.contains(&candidate.email) => Outcome::AlreadySuppressed,
                // An expired invitation's mail is older than its lifetime,
                // which is longer than any sensible cooldown, but not by rule.
                previous
                    if previous
                        .map(|p| p.cooldown_end(cooldown))
                        .into_iter()
                        .chain(existing.revoked.get(&candidate.email).copied())
                        .any(|end| now < end) =>
                {
                    Outcome::Cooldown
                }
                previous => {
                    let inv = new_invitation(membership, &candidate, previous, now);
                    to_invite.push((candidate.index, inv));
                    Outcome::Invited(id)
                }
            }
        };
    }
    to_invite
}

/// The org's two invitation limits held against one import chunk: the same
/// counters and the same [`quotas::take`] as the synchronous path's first
/// write, read with the chunk's lookups and taken in its transaction.
pub(crate) struct ChunkLimits {
    counters: [Item; 2],
    max: [u32; 2],
    expires: Option<DateTime<Utc>>,
    /// The rows kept, and whether each opens a new invitation (replacing an
    /// expired one keeps the open count).
    kept: Vec<(usize, bool)>,
}

/// The names of the counters' actions in a chunk's transaction.
pub(crate) const CHUNK_COUNTERS: [&str; 2] = ["invites_today", "pending"];

impl ChunkLimits {
    /// The counters to read with the chunk's lookups.
    pub(crate) fn counters(org: &OrgSlug, now: DateTime<Utc>) -> [Item; 2] {
        [
            quotas::org_invites_today(org, now),
            quotas::org_pending(org),
        ]
    }

    /// Keeps the invitations that fit in the room the counters leave, in row
    /// order; the rows past it get [`Outcome::LimitExceeded`].
    pub(crate) fn hold(
        app: &App,
        org: &OrgSlug,
        found: &Found,
        existing: &Existing,
        to_invite: Vec<(usize, Invitation)>,
        results: &mut [RowResult],
    ) -> (Self, Vec<(usize, Invitation)>) {
        let now = app.now();
        let limits = app.config.limits;
        let counters = Self::counters(org, now);
        let max = [
            limits.invitations_per_org_per_day,
            limits.pending_invitations_per_org,
        ];
        let room = |i: usize| (i64::from(max[i]) - found.quota_used(&counters[i])).max(0);
        let (today_room, pending_room) = (room(0), room(1));
        let (mut mails, mut opened) = (0i64, 0i64);
        let mut kept = Vec::new();
        let mut invite = Vec::new();
        for (index, inv) in to_invite {
            let new = existing.opens_new(&inv);
            if mails < today_room && (!new || opened < pending_room) {
                mails += 1;
                opened += i64::from(new);
                kept.push((index, new));
                invite.push((index, inv));
            } else {
                results[index].outcome = Outcome::LimitExceeded;
            }
        }
        let limits = Self {
            counters,
            max,
            expires: quotas::daily(now),
            kept,
        };
        (limits, invite)
    }

    /// The counters' updates for the rows kept that did not lose a race.
    pub(crate) fn takes(&self, lost: &[usize]) -> Vec<(String, TxAction)> {
        let kept = self.kept.iter().filter(|(i, _)| !lost.contains(i));
        let mails = kept.clone().count() as u32;
        let opened = kept.filter(|(_, new)| *new).count() as u32;
        [(0, mails, self.expires), (1, opened, None)]
            .into_iter()
            .filter(|(_, amount, _)| *amount > 0)
            .filter_map(|(i, amount, expires)| {
                quotas::take(self.counters[i].clone(), amount, self.max[i], expires)
                    .map(|take| (CHUNK_COUNTERS[i].to_owned(), take))
            })
            .collect()
    }
}

/// Why [`write_batch`] did not write.
#[derive(Debug)]
pub(crate) enum BatchError {
    /// The condition of the extra action of this name failed: nothing was written.
    ExtraFailed(String),
    Op(OpError),
}

/// Writes `chunk` (at most [`INVITES_PER_WRITE`] invitations with their mail,
/// the audit entry and the caller's guard) in one transaction together with
/// the named actions `extra` builds (an import job's progress, which must
/// commit with the invitations or not at all; committed alone, without an
/// audit entry, if no invitation is left). Rows that lost a race with a
/// concurrent invite of the same email are dropped and the rest written
/// again; `extra` is given, and this returns, their row indexes.
pub(crate) async fn write_batch(
    app: &App,
    membership: &Membership,
    mut chunk: Vec<(usize, Invitation)>,
    extra: impl Fn(&[usize]) -> Vec<(String, TxAction)>,
) -> Result<Vec<usize>, BatchError> {
    let mut lost = Vec::new();
    loop {
        let extras = extra(&lost);
        let names: Vec<String> = extras.iter().map(|(name, _)| name.clone()).collect();
        let (mut tx, audit) = chunk_transaction(app, membership, &chunk);
        for (name, action) in extras {
            tx.push(name, action);
        }
        if chunk.is_empty() {
            // Nobody invited: no audit entry, only the guard and the extras.
            membership.guard(&mut tx);
            return match app.store.transact(tx).await {
                Ok(()) => Ok(lost),
                Err(err) if err.failed("caller") => Err(BatchError::Op(OpError::Forbidden)),
                Err(err) => match names.iter().find(|n| err.failed(n)) {
                    Some(name) => Err(BatchError::ExtraFailed(name.clone())),
                    None => Err(BatchError::Op(err.into())),
                },
            };
        }
        match membership.commit(app, tx, audit).await {
            Err(err) => return Err(BatchError::Op(err)),
            Ok(Ok(())) => return Ok(lost),
            Ok(Err(failed)) => {
                if let Some(name) = names.iter().find(|n| failed.on(n)) {
                    return Err(BatchError::ExtraFailed(name.clone()));
                }
                if !(0..chunk.len()).any(|i| failed.on(&row_name(i))) {
                    return Err(BatchError::Op(failed.into()));
                }
                let (gone, kept): (Vec<_>, Vec<_>) = chunk
                    .into_iter()
                    .enumerate()
                    .partition(|(i, _)| failed.on(&row_name(*i)));
                lost.extend(gone.into_iter().map(|(_, (index, _))| index));
                chunk = kept.into_iter().map(|(_, entry)| entry).collect();
            }
        }
    }
}

fn row_name(i: usize) -> String {
    format!("invitation {i}")
}

fn chunk_transaction(
    app: &App,
    membership: &Membership,
    chunk: &[(usize, Invitation)],
) -> (Transaction, Audit) {
    let now = app.now();
    let mut tx = Transaction::new();
    for (i, (_, inv)) in chunk.iter().enumerate() {
        let mail = invitation_mail(inv, &membership.org.name, now);
        tx.push(row_name(i), invitations::create(inv, now))
            .push("mail", outbox::enqueue(&mail));
    }
    let emails: Vec<&str> = chunk.iter().map(|(_, inv)| inv.email.as_str()).collect();
    let target = format!("{} invitations", chunk.len());
    let detail = json!({"emails": emails, "count": chunk.len()});
    (tx, Audit::new("invitation.created", target, detail))
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
