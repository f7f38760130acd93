//! The org's two invitation limits: mails per UTC day (invitations, resends
//! and seat mails) and open invitations. Their counters are read with a
//! request's lookups ([`OrgLimits`]), held against the request as a whole
//! ([`LimitCheck`]: the synchronous path refuses all or nothing) or row by
//! row against an import chunk ([`ChunkLimits`]), and taken in the first
//! write, so a concurrent request that took the room fails its condition.

use super::pipeline::lookup::Existing;
use super::pipeline::{Outcome, RowResult};
use crate::domain::{Invitation, Limit, LimitExceeded, Limits, OrgSlug};
use crate::store::tx::Action as TxAction;
use crate::store::{Found, Item, quotas};
use chrono::{DateTime, Utc};

/// A limit counter's update for the first write: its name in the
/// transaction, the action, and the refusal should its condition fail.
pub(crate) type Take = (&'static str, TxAction, LimitExceeded);

/// When to retry after the pending limit: open invitations free up as they
/// are accepted, revoked or removed, which no clock predicts.
const PENDING_RETRY_SECS: u64 = 3_600;

/// The two limits, in the order of every array here: mails today, then open
/// invitations; and the names of their counters' actions in a write.
const LIMITS: [Limit; 2] = [
    Limit::InvitationsPerOrgPerDay,
    Limit::PendingInvitationsPerOrg,
];
pub(crate) const COUNTERS: [&str; 2] = ["invites_today", "pending"];

/// The org's two counters as of `now`, with their maxima.
pub(crate) struct OrgLimits {
    counters: [Item; 2],
    max: [u32; 2],
    now: DateTime<Utc>,
}

impl OrgLimits {
    pub(crate) fn new(org: &OrgSlug, now: DateTime<Utc>, limits: &Limits) -> Self {
        Self {
            counters: [
                quotas::org_invites_today(org, now),
                quotas::org_pending(org),
            ],
            max: [
                limits.invitations_per_org_per_day,
                limits.pending_invitations_per_org,
            ],
            now,
        }
    }

    /// The counters, to read with the lookups.
    pub(crate) fn counters(&self) -> [Item; 2] {
        self.counters.clone()
    }

    /// How `requested` (mails, new invitations) stands against each limit,
    /// the counters as `found` read them.
    pub(crate) fn checks(&self, found: &Found, requested: [u32; 2]) -> [LimitCheck; 2] {
        std::array::from_fn(|i| {
            let used = found.quota_used(&self.counters[i]);
            let LimitExceeded {
                limit,
                max,
                retry_after_secs,
            } = self.refusal(i);
            LimitCheck::new(limit, max, used, requested[i], retry_after_secs)
        })
    }

    /// The refusal limit `i` gives.
    fn refusal(&self, i: usize) -> LimitExceeded {
        match i {
            0 => quotas::daily_refusal(LIMITS[0], self.max[0], self.now),
            _ => LimitExceeded {
                limit: LIMITS[i],
                max: self.max[i],
                retry_after_secs: PENDING_RETRY_SECS,
            },
        }
    }

    /// The counters' updates taking `amounts` (mails, new invitations), each
    /// under its name with the refusal its failed condition means; `None`
    /// where the amount alone is over the limit.
    pub(crate) fn takes(&self, amounts: [u32; 2]) -> [Option<Take>; 2] {
        let expires = [quotas::daily(self.now), None];
        std::array::from_fn(|i| {
            quotas::take(
                self.counters[i].clone(),
                amounts[i],
                self.max[i],
                expires[i],
            )
            .map(|take| (COUNTERS[i], take, self.refusal(i)))
        })
    }

    /// The room each counter, as `found` read it, leaves.
    fn room(&self, found: &Found) -> [i64; 2] {
        std::array::from_fn(|i| {
            (i64::from(self.max[i]) - found.quota_used(&self.counters[i])).max(0)
        })
    }
}

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

/// The org's two invitation limits held against one import chunk: the same
/// counters and the same [`quotas::take`] as the synchronous path's first
/// write, read with the chunk's lookups and taken in its transaction.
pub(crate) struct ChunkLimits {
    org: OrgLimits,
    /// The rows kept, and whether each opens a new invitation (replacing an
    /// expired one keeps the open count).
    kept: Vec<(usize, bool)>,
}

impl ChunkLimits {
    pub(crate) fn new(org: OrgLimits) -> Self {
        Self {
            org,
            kept: Vec::new(),
        }
    }

    /// The counters to read with the chunk's lookups.
    pub(crate) fn counters(&self) -> [Item; 2] {
        self.org.counters()
    }

    /// Keeps the invitations that fit in the room the counters (as `found`
    /// read them) leave, in row order; the rows past it get
    /// [`Outcome::LimitExceeded`].
    pub(crate) fn hold(
        &mut self,
        found: &Found,
        existing: &Existing,
        to_invite: Vec<(usize, Invitation)>,
        results: &mut [RowResult],
    ) -> Vec<(usize, Invitation)> {
        let [today_room, pending_room] = self.org.room(found);
        let (mut mails, mut opened) = (0i64, 0i64);
        let mut invite = Vec::new();
        for (index, inv) in to_invite {
            let new = existing.opens_new(&inv);
            if mails < today_room && (!new || opened < pending_room) {
                mails += 1;
                opened += i64::from(new);
                self.kept.push((index, new));
                invite.push((index, inv));
            } else {
                results[index].outcome = Outcome::LimitExceeded;
            }
        }
        invite
    }

    /// The counters' updates for the rows kept that did not lose a race.
    pub(crate) fn takes(&self, lost: &[usize]) -> Vec<(String, TxAction)> {
        let kept = self.kept.iter().filter(|(i, _)| !lost.contains(i));
        let mails = kept.clone().count() as u32;
        let opened = kept.filter(|(_, new)| *new).count() as u32;
        let amounts = [mails, opened];
        self.org
            .takes(amounts)
            .into_iter()
            .zip(amounts)
            .filter(|(_, amount)| *amount > 0)
            .filter_map(|(take, _)| take.map(|(name, action, _)| (name.to_owned(), action)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, Limits};
    use crate::ops::fixtures::{at, email, invitation, slug};

    fn check(max: u32, used: i64, requested: u32) -> LimitCheck {
        LimitCheck::new(Limit::InvitationsPerOrgPerDay, max, used, requested, 60)
    }

    #[test]
    fn a_request_is_refused_only_past_the_room_left() {
        assert!(check(10, 7, 3).refused().is_none(), "exactly full");
        let over = check(10, 7, 4).refused().expect("one over");
        assert_eq!(
            (over.limit, over.max, over.retry_after_secs),
            (Limit::InvitationsPerOrgPerDay, 10, 60)
        );
        assert!(check(10, 12, 0).refused().is_none(), "asking nothing");
        assert!(check(0, 0, 1).refused().is_some());
    }

    fn limits(per_day: u32, pending: u32) -> OrgLimits {
        let limits = Limits {
            invitations_per_org_per_day: per_day,
            pending_invitations_per_org: pending,
            ..Limits::default()
        };
        OrgLimits::new(&slug(), at(0), &limits)
    }

    /// `found` with the two counters at `used`.
    fn counted(limits: &OrgLimits, used: [i64; 2]) -> Found {
        Found {
            quotas: limits.counters().into_iter().zip(used).collect(),
            ..Found::default()
        }
    }

    #[test]
    fn checks_count_from_the_counters_read_and_the_pending_limit_says_retry_in_an_hour() {
        let limits = limits(100, 50);
        let [today, pending] = limits.checks(&counted(&limits, [98, 10]), [3, 1]);
        assert_eq!((today.used, today.requested, today.max), (98, 3, 100));
        assert!(today.refused().is_some());
        assert_eq!((pending.used, pending.requested, pending.max), (10, 1, 50));
        assert!(pending.refused().is_none());
        assert_eq!(pending.retry_after_secs, PENDING_RETRY_SECS);
    }

    #[test]
    fn takes_name_each_counter_and_none_is_taken_past_its_max() {
        let limits = limits(5, 5);
        let [Some(today), Some(pending)] = limits.takes([2, 0]) else {
            panic!("both fit");
        };
        assert_eq!((today.0, pending.0), (COUNTERS[0], COUNTERS[1]));
        assert_eq!(today.2.limit, Limit::InvitationsPerOrgPerDay);
        assert!(limits.takes([6, 1])[0].is_none());
    }

    fn rows(n: usize) -> Vec<RowResult> {
        (0..n)
            .map(|row| RowResult {
                row: row + 1,
                email: String::new(),
                outcome: Outcome::Duplicate,
            })
            .collect()
    }

    #[test]
    fn a_chunk_keeps_the_rows_that_fit_in_row_order_and_the_rest_are_limit_exceeded() {
        // Two mails left today, room for one new invitation; "old" replaces
        // an expired invitation, so it opens none.
        let mut chunk = ChunkLimits::new(limits(10, 10));
        let found = counted(&chunk.org, [8, 9]);
        let existing = Existing::from(Found {
            invitations: vec![invitation("old", at(0))],
            ..Found::default()
        });
        let to_invite: Vec<(usize, Invitation)> = ["a", "old", "b", "c"]
            .into_iter()
            .enumerate()
            .map(|(i, to)| (i, invitation(to, at(0))))
            .collect();
        let mut results = rows(4);
        let kept = chunk.hold(&found, &existing, to_invite, &mut results);
        let kept: Vec<&Email> = kept.iter().map(|(_, inv)| &inv.email).collect();
        assert_eq!(kept, [&email("a"), &email("old")]);
        assert_eq!(results[0].outcome, Outcome::Duplicate, "left for decide");
        assert_eq!(results[2].outcome, Outcome::LimitExceeded);
        assert_eq!(results[3].outcome, Outcome::LimitExceeded);
        // Both kept rows count as mails, only "a" as a new invitation; a row
        // lost to a concurrent invite is not taken.
        let names = |lost: &[usize]| -> Vec<String> {
            chunk
                .takes(lost)
                .into_iter()
                .map(|(name, _)| name)
                .collect()
        };
        assert_eq!(names(&[]), ["invites_today", "pending"]);
        assert_eq!(names(&[0]), ["invites_today"]);
        assert!(names(&[0, 1]).is_empty());
    }
}
