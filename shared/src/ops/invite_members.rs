//! `POST /orgs/{org}/invitations`: invite many people at once, reporting one
//! outcome per row. Reads are batched (50 emails per `BatchGetItem`), writes go
//! in transactions of up to 49 invitations (invitation + outbox mail each, one
//! audit entry per transaction), so N rows cost about N/25 calls. Re-sending the
//! same rows changes nothing: pending invitations report `already_invited`.

use super::commit::Audit;
use super::{Caller, Membership, OpError};
use crate::App;
use crate::domain::invitation::expires_at;
use crate::domain::{
    Action, Email, EmailStatus, Invalid, Invitation, InvitationId, InvitationState, MailKind,
    OrgName, OrgSlug, OutboxMessage, Role,
};
use crate::store::{
    Found, MAX_BATCH_GET_KEYS, MAX_TRANSACTION_ITEMS, Reads, Transaction, invitations, outbox,
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
const INVITES_PER_WRITE: usize = (MAX_TRANSACTION_ITEMS - 2) / 2;
/// Calls in flight at once for one request.
const CONCURRENCY: usize = 4;

struct Candidate {
    index: usize,
    email: Email,
    role: Role,
    seat: bool,
}

pub async fn invite_members(
    app: &App,
    caller: &Caller,
    input: Invite,
) -> Result<Vec<RowResult>, OpError> {
    let slug = &input.org;
    let (mut results, candidates) = screen(input.rows);
    // The first batch of lookups rides along with the authorizing read.
    let first = candidates.len().min(EMAILS_PER_READ - 1);
    let membership =
        Membership::load(app, slug, caller, lookup_reads(slug, &candidates[..first])).await?;
    membership.require(Action::ManageInvitations)?;
    let mut found = membership.found.clone();
    lookup(app, slug, &candidates[first..], &mut found).await?;
    let existing = Existing::from(found);
    let now = app.now();
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
                previous => {
                    let inv = new_invitation(caller, slug, &candidate, previous, now);
                    to_invite.push((candidate.index, inv));
                    Outcome::Invited(id)
                }
            }
        };
    }
    if !input.dry_run && !to_invite.is_empty() {
        for index in write_invitations(app, caller, &membership, to_invite).await? {
            if let Outcome::Invited(id) = &results[index].outcome {
                results[index].outcome = Outcome::AlreadyInvited(id.clone());
            }
        }
    }
    Ok(results)
}

/// Parses each row: invalid and duplicate rows get their outcome now, the
/// others become candidates (their outcome is decided after the lookup).
fn screen(rows: Vec<InviteRow>) -> (Vec<RowResult>, Vec<Candidate>) {
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
    caller: &Caller,
    slug: &OrgSlug,
    candidate: &Candidate,
    previous: Option<&Invitation>,
    now: DateTime<Utc>,
) -> Invitation {
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
struct Existing {
    members: HashSet<Email>,
    invitations: HashMap<Email, Invitation>,
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
        }
    }
}

fn lookup_reads(slug: &OrgSlug, candidates: &[Candidate]) -> Reads {
    candidates.iter().fold(Reads::new(), |reads, c| {
        reads
            .invitation(slug, &c.email)
            .member_email(slug, &c.email)
    })
}

async fn lookup(
    app: &App,
    slug: &OrgSlug,
    candidates: &[Candidate],
    existing: &mut Found,
) -> Result<(), OpError> {
    let chunks: Vec<&[Candidate]> = candidates.chunks(EMAILS_PER_READ).collect();
    for wave in chunks.chunks(CONCURRENCY) {
        let pages = try_join_all(
            wave.iter()
                .map(|chunk| app.store.read(lookup_reads(slug, chunk))),
        )
        .await?;
        pages.into_iter().for_each(|found| existing.extend(found));
    }
    Ok(())
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

/// One transaction of invitations (and their mail). Rows that lost a race
/// with a concurrent invite of the same email are dropped and the rest
/// written again; returns the lost rows.
async fn write_chunk(
    app: &App,
    caller: &Caller,
    membership: &Membership,
    mut chunk: Vec<(usize, Invitation)>,
) -> Result<Vec<usize>, OpError> {
    let mut lost = Vec::new();
    while !chunk.is_empty() {
        let (tx, audit) = chunk_transaction(app, membership, &chunk);
        match membership.commit(app, caller, tx, audit).await? {
            Ok(()) => break,
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
    ]
    .into_iter()
    .map(|k| (k, 0))
    .collect();
    for r in results {
        *counts.entry(r.outcome.name()).or_default() += 1;
    }
    counts
}
