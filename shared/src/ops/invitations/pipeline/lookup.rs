//! Looking up what the org already holds for the candidates: members,
//! invitations (with their revoked markers) and, when the org has any,
//! suppressions, in batched reads a few at a time.

use super::{CONCURRENCY, Candidate};
use crate::App;
use crate::domain::{Action, Email, Invitation, OrgSlug};
use crate::ops::{Caller, Membership, OpError};
use crate::store::{Found, Item, MAX_BATCH_GET_KEYS, Reads};
use chrono::{DateTime, Utc};
use futures::future::try_join_all;
use std::collections::{HashMap, HashSet};

/// Emails looked up per `BatchGetItem` (two keys each).
pub(crate) const EMAILS_PER_READ: usize = MAX_BATCH_GET_KEYS / 2;

/// The members and invitations among the candidates, indexed by email (a
/// bulk upload looks up thousands).
pub(crate) struct Existing {
    pub(crate) members: HashSet<Email>,
    pub(crate) invitations: HashMap<Email, Invitation>,
    pub(crate) suppressed: HashSet<Email>,
    /// Revoked invitations still in their mail cooldown, with its end.
    pub(crate) revoked: HashMap<Email, DateTime<Utc>>,
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
            members: found
                .member_emails
                .into_iter()
                .map(|(email, _)| email)
                .collect(),
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

/// The authorizing read of an invite or an import chunk (the caller must
/// manage invitations), carrying the lookups of `candidates` and the org's
/// two limit `counters`.
pub(crate) async fn authorize_inviter(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    candidates: &[Candidate],
    counters: [Item; 2],
) -> Result<Membership, OpError> {
    let [today, pending] = counters;
    let reads = lookup_reads(slug, candidates).quota(today).quota(pending);
    let membership =
        Membership::authorize(app, slug, caller, reads, Action::ManageInvitations).await?;
    Ok(membership)
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

pub(crate) async fn lookup(
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
