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
use crate::domain::{Limit, LimitExceeded};
use crate::store::attrs::n;
use crate::store::tx::{Expr, put, put_new};
use crate::store::{
    Item, MAX_BATCH_GET_KEYS, MAX_TRANSACTION_ITEMS, invitations, members, outbox, quotas,
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
    slug: &OrgSlug,
    rows: Vec<InviteRow>,
    dry_run: bool,
) -> Result<(Vec<RowResult>, Vec<LimitCheck>), OpError> {
    caller.require_verified()?;
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

    // The first batch of lookups, and the org's two limit counters, ride
    // along with the authorizing read.
    let now = app.now();
    let counters = [
        quotas::org_invites_today(slug, now),
        quotas::org_pending(slug),
    ];
    let first = candidates.len().min(EMAILS_PER_READ - 2);
    let mut keys = lookup_keys(slug, &candidates[..first]);
    keys.extend(counters.iter().cloned());
    let membership = Membership::load(app, slug, caller, keys).await?;
    membership.require(Action::ManageInvitations)?;
    let (counted, looked_up): (Vec<Item>, Vec<Item>) = membership
        .extra
        .iter()
        .cloned()
        .partition(|item| counters.iter().any(|c| quotas::is(item, c)));
    let used = |counter: &Item| quotas::used(counted.iter().find(|i| quotas::is(i, counter)));
    let (used_today, used_pending) = (used(&counters[0])?, used(&counters[1])?);
    let mut existing = Existing::default();
    existing.add(looked_up)?;
    lookup(app, slug, &candidates[first..], &mut existing).await?;
    let mut to_invite = Vec::new();
    let mut new_items = 0u32;
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
                    // Replacing an expired invitation keeps the open count.
                    new_items += u32::from(previous.is_none());
                    to_invite.push((
                        candidate.index,
                        new_invitation(app, &membership, &candidate, previous),
                    ));
                    Outcome::Invited(id)
                }
            }
        };
        results[candidate.index].outcome = outcome;
    }

    let limits = app.config.limits;
    let checks = vec![
        LimitCheck::new(
            Limit::InvitationsPerOrgPerDay,
            limits.invitations_per_org_per_day,
            used_today,
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
            used_pending,
            new_items,
            PENDING_RETRY_SECS,
        ),
    ];
    if dry_run || to_invite.is_empty() {
        return Ok((results, checks));
    }
    if let Some(over) = checks.iter().find_map(LimitCheck::refused) {
        return Err(OpError::LimitExceeded(over));
    }
    // Taken in the request's first write, for all its rows: the count and
    // the first invitations commit together, and a concurrent request that
    // took the room makes this one refuse before anything is written.
    let table = app.store.table();
    let takes = vec![
        (
            quotas::take(
                table,
                counters[0].clone(),
                to_invite.len() as u32,
                limits.invitations_per_org_per_day,
                quotas::daily(now),
            ),
            checks[0].refusal(),
        ),
        (
            quotas::take(
                table,
                counters[1].clone(),
                new_items,
                limits.pending_invitations_per_org,
                None,
            ),
            checks[1].refusal(),
        ),
    ]
    .into_iter()
    .filter_map(|(take, refusal)| take.map(|t| (t, refusal)))
    .collect();
    let lost = write_invitations(app, caller, &membership, to_invite, takes).await?;
    for index in lost {
        let id =
            InvitationId::for_email(&Email::parse(&results[index].email).expect("parsed above"));
        results[index].outcome = Outcome::AlreadyInvited(id);
    }
    Ok((results, checks))
}

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

fn new_invitation(
    app: &App,
    membership: &Membership,
    candidate: &Candidate,
    previous: Option<&Invitation>,
) -> Invitation {
    let now = app.now();
    Invitation {
        org: membership.org.slug.clone(),
        email: candidate.email.clone(),
        role: candidate.role,
        seat: candidate.seat,
        // The address on the inviter's membership (verified when they joined
        // or created the org), never a claim that may have changed since.
        invited_by: membership.caller.email.clone(),
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
struct Existing {
    members: HashSet<Email>,
    invitations: HashMap<Email, Invitation>,
}

fn lookup_keys(slug: &OrgSlug, candidates: &[Candidate]) -> Vec<Item> {
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
    fn add(&mut self, items: Vec<Item>) -> Result<(), OpError> {
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
    takes: Vec<(TransactWriteItem, LimitExceeded)>,
) -> Result<Vec<usize>, OpError> {
    // The first transaction also carries the limit counters (two actions
    // fewer for invitations), and goes alone: the rest follow only once the
    // counters have admitted the request.
    let first_len = to_invite.len().min(INVITES_PER_WRITE - 1);
    let mut lost = write_chunk(
        app,
        caller,
        membership,
        to_invite[..first_len].to_vec(),
        &takes,
    )
    .await?;
    let chunks: Vec<&[(usize, Invitation)]> =
        to_invite[first_len..].chunks(INVITES_PER_WRITE).collect();
    for wave in chunks.chunks(CONCURRENCY) {
        let results = try_join_all(
            wave.iter()
                .map(|chunk| write_chunk(app, caller, membership, chunk.to_vec(), &[])),
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
    mut chunk: Vec<(usize, Invitation)>,
    takes: &[(TransactWriteItem, LimitExceeded)],
) -> Result<Vec<usize>, OpError> {
    let table = app.store.table();
    let mut lost = Vec::new();
    loop {
        if chunk.is_empty() {
            return Ok(lost);
        }
        let now = app.now();
        let mut actions = Vec::with_capacity(chunk.len() * 2 + 2);
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
        let emails: Vec<&str> = chunk.iter().map(|(_, inv)| inv.email.as_str()).collect();
        actions.push(audit::entry(
            app,
            &membership.org.slug,
            caller,
            "invitation.created",
            format!("{} invitations", chunk.len()),
            json!({"emails": emails, "count": chunk.len()}),
        ));
        actions.push(membership.still_authorized(app));
        let authz_index = actions.len() - 1;
        actions.extend(takes.iter().map(|(take, _)| take.clone()));
        let result = app.store.transact(actions).await;
        if let Err(err) = &result
            && let Some((_, over)) = takes
                .iter()
                .enumerate()
                .find(|(i, _)| err.failed_at(authz_index + 1 + i))
                .map(|(_, take)| take)
        {
            return Err(OpError::LimitExceeded(*over));
        }
        match result {
            Ok(()) => return Ok(lost),
            Err(err) if err.failed_at(authz_index) => return Err(OpError::Forbidden),
            Err(err) if err.is_condition_failed() => {
                let failed: HashSet<usize> =
                    (0..chunk.len()).filter(|i| err.failed_at(i * 2)).collect();
                if failed.is_empty() {
                    return Err(err.into());
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
            Err(err) => return Err(err.into()),
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
