//! The org's two invitation limits (mails per day, open invitations), held
//! against a request ([`LimitCheck`]) or an import chunk ([`ChunkLimits`]).

use super::pipeline::lookup::Existing;
use super::pipeline::{Outcome, RowResult};
use crate::App;
use crate::domain::{Invitation, Limit, LimitExceeded, OrgSlug};
use crate::store::tx::Action as TxAction;
use crate::store::{Found, Item, quotas};
use chrono::{DateTime, Utc};

/// A limit counter's update for the first write: its name in the
/// transaction, the action, and the refusal should its condition fail.
pub(crate) type Take = (&'static str, TxAction, LimitExceeded);

/// When to retry after the pending limit: open invitations free up as they
/// are accepted, revoked or removed, which no clock predicts.
pub(crate) const PENDING_RETRY_SECS: u64 = 3_600;

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
    pub(crate) fn new(limit: Limit, max: u32, used: i64, requested: u32, retry_after_secs: u64) -> Self {
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
    pub(crate) fn refusal(&self) -> LimitExceeded {
        LimitExceeded {
            limit: self.limit,
            max: self.max,
            retry_after_secs: self.retry_after_secs,
        }
    }
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
