//! Processing one chunk of an import job, through the same steps as the
//! synchronous upload (the invite pipeline: lookups, outcome decision, the
//! invitation + mail transaction), with the job's progress and the chunk's
//! outcomes in that same transaction. The progress is conditional on the job
//! still being at this chunk, so a chunk commits once: a worker that died after
//! the commit, or a second worker on the same job, cannot invite or mail twice.

use crate::App;
use crate::domain::InvitationId;
use crate::domain::import::ImportStatus;
use crate::domain::import::{ChunkRow, ImportJob, transactional_write_units};
use crate::ops::invitations::limits::{COUNTERS, ChunkLimits, OrgLimits};
use crate::ops::invitations::pipeline::decide::{Deciding, decide};
use crate::ops::invitations::pipeline::lookup::{Existing, authorize_inviter, lookup_suppressed};
use crate::ops::invitations::pipeline::write::{BatchError, write_batch};
use crate::ops::invitations::pipeline::{Candidate, Outcome, RowResult};
use crate::ops::{Caller, Membership, OpError};
use crate::store::audit;
use crate::store::imports::{Chunk, finished_entry, outcomes_action, progress_action};
use std::collections::BTreeMap;

/// The names of the job's actions in the chunk's transaction.
const PROGRESS: &str = "import progress";
const OUTCOMES: &str = "import outcomes";
const FINISHED: &str = "import finished";

/// What a committed chunk did.
#[derive(Debug)]
pub struct ChunkDone {
    pub counts: BTreeMap<&'static str, u64>,
    /// Estimated write units spent on the org's partition (for pacing).
    pub write_units: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ChunkError {
    /// The job is no longer at this chunk: another worker processed it.
    #[error("the chunk was already processed")]
    AlreadyDone,
    /// The admin who started the job may no longer invite (or left the org).
    #[error("the job's creator may no longer invite")]
    Forbidden,
    /// The job was stored without the identity provider's word for its
    /// creator's email.
    #[error("the job's creator has no verified email")]
    Unverified,
    /// A concurrent write moved a limit counter past the room this chunk
    /// read: nothing was written; run the chunk again.
    #[error("a limit counter moved concurrently")]
    LimitRaced,
    #[error(transparent)]
    Op(#[from] OpError),
}

/// The caller an import acts as: the admin who started it, as the job
/// stored them when it started.
pub fn creator(job: &ImportJob) -> Caller {
    Caller {
        user_id: job.created_by.clone(),
        email: job.created_by_email.clone(),
        email_verified: job.created_by_verified,
    }
}

/// The org's invitation limits hold: the daily-invitations and
/// open-invitations counters are read with the lookups (a chunk's 48 rows
/// leave room for them in the read) and taken in the chunk's transaction, so
/// they move once, with the progress; the rows past the room are
/// `limit_exceeded`.
///
/// Calls: one `BatchGetItem` (authorization, lookups, counters; one more for
/// the suppressions when the org has any), one transaction
/// (plus one per lost race with a concurrent invite of the same email).
pub async fn process_chunk(
    app: &App,
    job: &ImportJob,
    chunk: &Chunk,
) -> Result<ChunkDone, ChunkError> {
    let caller = creator(job);
    // Checked again for every chunk: the job mails in its creator's name.
    if caller.require_verified().is_err() {
        return Err(ChunkError::Unverified);
    }
    let (mut results, candidates) = rows_of(chunk);
    let now = app.now();
    let mut limits = ChunkLimits::new(OrgLimits::new(&job.org, now, &app.config.limits));
    let membership = authorize(app, job, &caller, &candidates, &limits).await?;
    let mut found = membership.found.clone();
    lookup_suppressed(app, &membership, &candidates, &mut found).await?;
    let existing = Existing::from(found);
    let at = Deciding::new(now, &app.config.limits);
    let to_invite = decide(&membership, candidates, &existing, at, &mut results);
    let to_invite = limits.hold(&membership.found, &existing, to_invite, &mut results);
    let invites = to_invite.len() as u32;
    let extra = |lost: &[usize]| {
        let words = finals(&results, lost);
        let progress = progress_action(job, chunk.index, &counts(&words), now);
        let mut actions = vec![
            (PROGRESS.to_owned(), progress),
            (
                OUTCOMES.to_owned(),
                outcomes_action(job, chunk.index, &words),
            ),
        ];
        actions.extend(limits.takes(lost));
        if chunk.index + 1 >= job.chunks {
            let mut totals = job.counts.clone();
            for (word, count) in counts(&words) {
                *totals.entry(word.to_owned()).or_default() += count;
            }
            let finished = finished_entry(job, ImportStatus::Done, &totals, now);
            actions.push((FINISHED.to_owned(), audit::record(&job.org, &finished)));
        }
        actions
    };
    let lost = write_batch(app, &membership, to_invite, extra)
        .await
        .map_err(chunk_error)?;
    Ok(ChunkDone {
        counts: counts(&finals(&results, &lost)),
        // Each invitation is under 1 KB; plus the audit entry, the job and
        // the authorization check, all on the org's partition.
        write_units: transactional_write_units(1024) * (invites + 3),
    })
}

/// The chunk's rows as results (invalid and duplicate rows settled, the
/// candidates' outcomes still to decide) and its candidates.
fn rows_of(chunk: &Chunk) -> (Vec<RowResult>, Vec<Candidate>) {
    let first = chunk.first_row();
    let mut results = Vec::with_capacity(chunk.rows.len());
    let mut candidates = Vec::new();
    for (index, row) in chunk.rows.iter().enumerate() {
        let (email, outcome) = match row {
            ChunkRow::Candidate { email, role, seat } => {
                candidates.push(Candidate {
                    index,
                    email: email.clone(),
                    role: *role,
                    seat: *seat,
                });
                // Placeholder until `decide`.
                (email.to_string(), Outcome::Duplicate)
            }
            ChunkRow::Invalid { shown, reason } => {
                (shown.clone(), Outcome::Invalid(reason.clone()))
            }
            ChunkRow::Duplicate { shown } => (shown.clone(), Outcome::Duplicate),
        };
        results.push(RowResult {
            row: first + index,
            email,
            outcome,
        });
    }
    (results, candidates)
}

/// The authorizing read, with the candidates' lookups and the counters: the
/// job's creator must still be an admin of the org.
async fn authorize(
    app: &App,
    job: &ImportJob,
    caller: &Caller,
    candidates: &[Candidate],
    limits: &ChunkLimits,
) -> Result<Membership, ChunkError> {
    let counters = limits.counters();
    match authorize_inviter(app, caller, &job.org, candidates, counters).await {
        Err(OpError::OrgNotFound | OpError::Forbidden) => Err(ChunkError::Forbidden),
        other => Ok(other?),
    }
}

/// Each row's outcome word once written: rows that lost a race with a
/// concurrent invite of the same email are `already_invited`.
fn finals(results: &[RowResult], lost: &[usize]) -> Vec<&'static str> {
    results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if lost.contains(&i) {
                "already_invited"
            } else {
                r.outcome.name()
            }
        })
        .collect()
}

fn counts(words: &[&'static str]) -> BTreeMap<&'static str, u64> {
    let mut counts = BTreeMap::new();
    for word in words {
        *counts.entry(*word).or_insert(0u64) += 1;
    }
    counts
}

/// What a chunk's failed write means for the job.
fn chunk_error(err: BatchError) -> ChunkError {
    match err {
        BatchError::ExtraFailed(name) if name == PROGRESS => ChunkError::AlreadyDone,
        BatchError::ExtraFailed(name) if COUNTERS.contains(&name.as_str()) => {
            ChunkError::LimitRaced
        }
        BatchError::ExtraFailed(_) => {
            OpError::Internal("an import chunk item is missing".into()).into()
        }
        BatchError::Op(OpError::Forbidden) => ChunkError::Forbidden,
        BatchError::Op(err) => err.into(),
    }
}

/// A processed row's outcome, rebuilt from its chunk row and outcome word.
pub fn row_result(row_number: usize, row: &ChunkRow, word: &str) -> Option<RowResult> {
    let (email, outcome) = match row {
        ChunkRow::Candidate { email, .. } => {
            let id = InvitationId::for_email(email);
            let outcome = match word {
                "invited" => Outcome::Invited(id),
                "already_invited" => Outcome::AlreadyInvited(id),
                "already_member" => Outcome::AlreadyMember,
                "limit_exceeded" => Outcome::LimitExceeded,
                "already_suppressed" => Outcome::AlreadySuppressed,
                "cooldown" => Outcome::Cooldown,
                _ => return None,
            };
            (email.to_string(), outcome)
        }
        ChunkRow::Invalid { shown, reason } => (shown.clone(), Outcome::Invalid(reason.clone())),
        ChunkRow::Duplicate { shown } => (shown.clone(), Outcome::Duplicate),
    };
    Some(RowResult {
        row: row_number,
        email,
        outcome,
    })
}
