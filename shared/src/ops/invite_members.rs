//! `POST /orgs/{org}/invitations`: invite many people at once, reporting one
//! outcome per row. Reads are batched (50 emails per `BatchGetItem`), writes go
//! in transactions of up to 49 invitations (invitation + outbox mail each, one
//! audit entry per transaction), so N rows cost about N/25 calls. Re-sending the
//! same rows changes nothing: pending invitations report `already_invited`.

use super::{Caller, Membership, OpError, audit};
use crate::App;
use crate::domain::invitation::expires_at;
use crate::domain::{
    Action, Email, EmailStatus, Invalid, Invitation, InvitationId, InvitationState, MailKind,
    OrgSlug, OutboxMessage, Role,
};
use crate::store::attrs::n;
use crate::store::tx::{Expr, put, put_new};
use crate::store::{
    Item, MAX_BATCH_GET_KEYS, MAX_TRANSACTION_ITEMS, StoreError, invitations, members, outbox,
};
use aws_sdk_dynamodb::types::TransactWriteItem;
use futures::future::try_join_all;
use serde_json::json;
use std::collections::{HashMap, HashSet};

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
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Invited(_) => "invited",
            Self::AlreadyMember => "already_member",
            Self::AlreadyInvited(_) => "already_invited",
            Self::Invalid(_) => "invalid",
            Self::Duplicate => "duplicate",
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
    slug: &OrgSlug,
    rows: Vec<InviteRow>,
    dry_run: bool,
) -> Result<Vec<RowResult>, OpError> {
    let (mut results, candidates) = screen(rows);

    // The first batch of lookups rides along with the authorizing read.
    let first = candidates.len().min(EMAILS_PER_READ - 1);
    let membership =
        Membership::load(app, slug, caller, lookup_keys(slug, &candidates[..first])).await?;
    membership.require(Action::ManageInvitations)?;
    let mut existing = Existing::default();
    existing.add(membership.extra.clone())?;
    lookup(app, slug, &candidates[first..], &mut existing).await?;
    let to_invite = decide(app, caller, slug, candidates, &existing, &mut results);

    if !dry_run && !to_invite.is_empty() {
        let lost = write_invitations(app, caller, &membership, to_invite).await?;
        for index in lost {
            let id = InvitationId::for_email(
                &Email::parse(&results[index].email).expect("parsed above"),
            );
            results[index].outcome = Outcome::AlreadyInvited(id);
        }
    }
    Ok(results)
}

/// Parses every row: `invalid` and `duplicate` rows get their outcome here;
/// the others become candidates, decided by [`decide`] once looked up (their
/// result holds a placeholder until then).
pub(crate) fn screen(rows: Vec<InviteRow>) -> (Vec<RowResult>, Vec<Candidate>) {
    let mut results = Vec::with_capacity(rows.len());
    let mut candidates = Vec::new();
    let mut seen = HashSet::new();
    for (index, row) in rows.into_iter().enumerate() {
        let parsed = Email::parse(&row.email).and_then(|email| Ok((email, row.role?, row.seat?)));
        let outcome = match parsed {
            Err(reason) => Some(Outcome::Invalid(reason.to_string())),
            Ok((email, _, _)) if !seen.insert(email.clone()) => Some(Outcome::Duplicate),
            Ok((email, role, seat)) => {
                candidates.push(Candidate {
                    index,
                    email,
                    role,
                    seat,
                });
                None
            }
        };
        let shown = candidates
            .last()
            .filter(|c| c.index == index)
            .map(|c| c.email.to_string())
            .unwrap_or_else(|| row.email.trim().to_owned());
        results.push(RowResult {
            row: index + 1,
            email: shown,
            // Placeholder until the lookup decides; replaced below.
            outcome: outcome.unwrap_or(Outcome::Duplicate),
        });
    }
    (results, candidates)
}

/// Decides each looked-up candidate (`already_member`, `already_invited` or
/// `invited`), writing the outcome into `results[candidate.index]`; returns
/// the invitations to write.
pub(crate) fn decide(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    candidates: Vec<Candidate>,
    existing: &Existing,
    results: &mut [RowResult],
) -> Vec<(usize, Invitation)> {
    let now = app.now();
    let mut to_invite = Vec::new();
    for candidate in candidates {
        let id = InvitationId::for_email(&candidate.email);
        let outcome = if existing.members.contains(&candidate.email) {
            Outcome::AlreadyMember
        } else {
            match existing.invitations.get(&candidate.email) {
                Some(inv) if inv.state(now) == InvitationState::Pending => {
                    Outcome::AlreadyInvited(id)
                }
                previous => {
                    to_invite.push((
                        candidate.index,
                        new_invitation(app, caller, slug, &candidate, previous),
                    ));
                    Outcome::Invited(id)
                }
            }
        };
        results[candidate.index].outcome = outcome;
    }
    to_invite
}

fn new_invitation(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    candidate: &Candidate,
    previous: Option<&Invitation>,
) -> Invitation {
    let now = app.now();
    Invitation {
        org: slug.clone(),
        email: candidate.email.clone(),
        role: candidate.role,
        seat: candidate.seat,
        invited_by: caller.email.clone(),
        created_at: now,
        expires_at: expires_at(now),
        generation: next_generation(now, previous.map(|p| p.generation)),
        token_hash: None,
        email_status: EmailStatus::Queued,
    }
}

/// Generations only grow, even across a delete and re-create of the item, so a
/// stale mail can never mint a link for a newer invitation.
pub fn next_generation(now: chrono::DateTime<chrono::Utc>, previous: Option<u64>) -> u64 {
    let clock = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    clock.max(previous.map_or(0, |p| p + 1))
}

#[derive(Default)]
pub(crate) struct Existing {
    members: HashSet<Email>,
    invitations: HashMap<Email, Invitation>,
}

pub(crate) fn lookup_keys(slug: &OrgSlug, candidates: &[Candidate]) -> Vec<Item> {
    candidates
        .iter()
        .flat_map(|c| {
            [
                invitations::invitation_key(slug, &c.email),
                members::member_email_key(slug, &c.email),
            ]
        })
        .collect()
}

async fn lookup(
    app: &App,
    slug: &OrgSlug,
    candidates: &[Candidate],
    existing: &mut Existing,
) -> Result<(), OpError> {
    let chunks: Vec<&[Candidate]> = candidates.chunks(EMAILS_PER_READ).collect();
    for wave in chunks.chunks(CONCURRENCY) {
        let pages = try_join_all(
            wave.iter()
                .map(|chunk| app.store.batch_get(lookup_keys(slug, chunk))),
        )
        .await?;
        existing.add(pages.into_iter().flatten().collect())?;
    }
    Ok(())
}

impl Existing {
    pub(crate) fn add(&mut self, items: Vec<Item>) -> Result<(), OpError> {
        for item in items {
            let sk = item
                .get("sk")
                .and_then(|v| v.as_s().ok())
                .map(String::as_str)
                .unwrap_or_default();
            if let Some(email) = sk.strip_prefix("MEMBEREMAIL#") {
                if let Ok(email) = Email::parse(email) {
                    self.members.insert(email);
                }
            } else if invitations::is_invitation_item(&item) {
                let inv = invitations::from_item(&item)?;
                self.invitations.insert(inv.email.clone(), inv);
            }
        }
        Ok(())
    }
}

/// Writes the invitations; returns the row indexes that lost a race with a
/// concurrent invite of the same email (they are `already_invited`).
async fn write_invitations(
    app: &App,
    caller: &Caller,
    membership: &Membership,
    to_invite: Vec<(usize, Invitation)>,
) -> Result<Vec<usize>, OpError> {
    let chunks: Vec<&[(usize, Invitation)]> = to_invite.chunks(INVITES_PER_WRITE).collect();
    let mut lost = Vec::new();
    for wave in chunks.chunks(CONCURRENCY) {
        let results = try_join_all(
            wave.iter()
                .map(|chunk| write_chunk(app, caller, membership, chunk.to_vec())),
        )
        .await?;
        lost.extend(results.into_iter().flatten());
    }
    Ok(lost)
}

async fn write_chunk(
    app: &App,
    caller: &Caller,
    membership: &Membership,
    chunk: Vec<(usize, Invitation)>,
) -> Result<Vec<usize>, OpError> {
    write_batch(app, caller, membership, chunk, |_| Vec::new())
        .await
        .map_err(|err| match err {
            BatchError::Op(err) => err,
            BatchError::ExtraFailed(_) => unreachable!("no extra actions"),
        })
}

/// Why [`write_batch`] did not write.
#[derive(Debug)]
pub(crate) enum BatchError {
    /// The condition of `extra[i]` failed: nothing was written.
    ExtraFailed(usize),
    Op(OpError),
}

/// Writes `chunk` (at most [`INVITES_PER_WRITE`] invitations, each with its
/// mail, one audit entry and the caller's authorization check) in one
/// transaction together with the actions `extra` builds (an import job's
/// progress, which must commit with the invitations or not at all; written
/// alone if no invitation is left). Invitations that lost a race with a
/// concurrent invite of the same email are dropped and the rest retried;
/// `extra` is given, and this returns, their row indexes.
pub(crate) async fn write_batch(
    app: &App,
    caller: &Caller,
    membership: &Membership,
    mut chunk: Vec<(usize, Invitation)>,
    extra: impl Fn(&[usize]) -> Vec<TransactWriteItem>,
) -> Result<Vec<usize>, BatchError> {
    let table = app.store.table();
    let mut lost = Vec::new();
    loop {
        let extra = extra(&lost);
        if chunk.is_empty() && extra.is_empty() {
            return Ok(lost);
        }
        let now = app.now();
        let mut actions = Vec::with_capacity(chunk.len() * 2 + 2 + extra.len());
        for (_, inv) in &chunk {
            // A new invitation, or one replacing an expired (never a pending) one.
            actions.push(put(
                table,
                invitations::to_item(inv),
                Some("attribute_not_exists(pk) OR expires_at <= :now"),
                Expr::new().value(":now", n(now.timestamp())),
            ));
            let mail = OutboxMessage::new(
                inv.org.clone(),
                membership.org.name.clone(),
                inv.email.clone(),
                MailKind::Invitation {
                    invited_by: inv.invited_by.clone(),
                    generation: inv.generation,
                    expires_at: inv.expires_at,
                },
                now,
            );
            actions.push(put_new(table, outbox::to_item(&mail)));
        }
        if !chunk.is_empty() {
            let emails: Vec<&str> = chunk.iter().map(|(_, inv)| inv.email.as_str()).collect();
            actions.push(audit::entry(
                app,
                &membership.org.slug,
                caller,
                "invitation.created",
                format!("{} invitations", chunk.len()),
                json!({"emails": emails, "count": chunk.len()}),
            ));
        }
        actions.push(membership.still_authorized(app));
        let authz_index = actions.len() - 1;
        let extra_count = extra.len();
        actions.extend(extra);
        let op = |err: StoreError| BatchError::Op(err.into());
        match app.store.transact(actions).await {
            Ok(()) => return Ok(lost),
            Err(err) if err.failed_at(authz_index) => {
                return Err(BatchError::Op(OpError::Forbidden));
            }
            Err(err) if err.is_condition_failed() => {
                if let Some(i) = (0..extra_count).find(|i| err.failed_at(authz_index + 1 + i)) {
                    return Err(BatchError::ExtraFailed(i));
                }
                let failed: HashSet<usize> =
                    (0..chunk.len()).filter(|i| err.failed_at(i * 2)).collect();
                if failed.is_empty() {
                    return Err(op(err));
                }
                let mut kept = Vec::new();
                for (i, entry) in chunk.into_iter().enumerate() {
                    if failed.contains(&i) {
                        lost.push(entry.0);
                    } else {
                        kept.push(entry);
                    }
                }
                chunk = kept;
            }
            Err(err) => return Err(op(err)),
        }
    }
}

/// Counts per outcome, for the answer's `summary`.
pub fn summary(results: &[RowResult]) -> HashMap<&'static str, usize> {
    let mut counts: HashMap<&'static str, usize> = [
        "invited",
        "already_member",
        "already_invited",
        "invalid",
        "duplicate",
    ]
    .into_iter()
    .map(|k| (k, 0))
    .collect();
    for r in results {
        *counts.entry(r.outcome.name()).or_default() += 1;
    }
    counts
}
