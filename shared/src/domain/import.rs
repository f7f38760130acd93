//! Bulk import jobs: when an invitation upload becomes a job, how its rows are
//! cut into chunks, the job's status words, and the pacing of its writes.
//!
//! The numbers come from DynamoDB's limits on one partition (every invitation
//! of an org lives under `ORG#<slug>`): about 1,000 write units per second,
//! and a transactional write costs 2 units per KB of item.

use super::{Email, Invalid, OrgSlug, Role, UserId};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// Uploads of more rows than this become jobs (`202 Accepted`); smaller ones
/// answer synchronously. 500 invitations cost ~1,000 write units on the org's
/// partition (2 per invitation, each under 1 KB, written transactionally) plus
/// ~20 for the audit entries and checks: one second of the partition's ~1,000
/// units per second. API Gateway gives a request 29 s, so the synchronous path
/// keeps a margin of ~25x: it stays in time even if throttling leaves the
/// partition a tenth of its throughput and a cold start eats a few seconds.
/// A 10,000-row upload would need ~20 s at the partition's full speed.
pub const SYNC_MAX_ROWS: usize = 500;

/// Rows per chunk: one chunk is processed in one transaction of at most 100
/// actions: two per invitation (the invitation and its mail), the audit
/// entry, the creator's authorization check, the job's progress, the
/// chunk's outcomes, the org's two abuse-limit counters (daily
/// invitations, open invitations) and, in the last chunk, the audit entry of
/// the job's end (`import.finished`). A chunk item holds at most 46 rows of at
/// most ~600 bytes each (a 254-byte address, or an invalid value and its
/// reason, each cut to [`super::MAX_ECHO_CHARS`] characters), ~30 KB: far
/// under DynamoDB's 400 KB item limit.
pub const ROWS_PER_CHUNK: usize = 46;
const _: () = assert!(ROWS_PER_CHUNK * 2 + 7 <= 100, "a chunk is one transaction");
const _: () = assert!(
    ROWS_PER_CHUNK * 600 < 400 * 1024 / 4,
    "a chunk item stays small"
);

/// A job that made no progress for this long is resumed by the sweep.
pub const STALL_AFTER: Duration = Duration::minutes(5);

/// Jobs and their rows are kept this long, then TTL removes them.
pub const RETENTION: Duration = Duration::days(30);

/// Write units per second one partition sustains.
pub const PARTITION_WRITE_UNITS: u32 = 1_000;

/// The share of the partition an import uses by default: half, so the org's
/// other traffic (and a second upload) still fits.
pub const DEFAULT_WRITE_UNITS_PER_SECOND: u32 = PARTITION_WRITE_UNITS / 2;

/// An import job's id: a UUIDv7 in hex, so ids sort by creation time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImportId(String);

impl ImportId {
    pub fn new() -> Self {
        Self(uuid::Uuid::now_v7().simple().to_string())
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let ok = raw.len() == 32
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        Invalid::unless(ok, raw, "not an import id").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ImportId {
    fn default() -> Self {
        Self::new()
    }
}

super::display_as_str!(ImportId);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStatus {
    /// Stored, no chunk processed yet.
    Queued,
    Running,
    /// Every row has its outcome.
    Done,
    /// Stopped for good (the admin who started it lost the right to invite);
    /// the rows processed so far keep their outcomes, the rest were not invited.
    Failed,
}

impl ImportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "done" => Self::Done,
            "failed" => Self::Failed,
            _ => return None,
        })
    }

    pub fn is_finished(self) -> bool {
        matches!(self, Self::Done | Self::Failed)
    }
}

/// An import job as stored: who started it, how far it got, counts per
/// outcome word (the words of the synchronous answer) so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportJob {
    pub org: OrgSlug,
    pub id: ImportId,
    pub created_by: UserId,
    /// As stored on the creator's membership when the job started.
    pub created_by_email: Email,
    /// Whether the identity provider vouched for the creator's email when the
    /// job started; the worker acts (and mails) only when it did.
    pub created_by_verified: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: ImportStatus,
    pub rows: usize,
    pub chunks: usize,
    /// Chunks `0..next_chunk` have their outcomes.
    pub next_chunk: usize,
    pub counts: BTreeMap<String, u64>,
    /// Why a failed job stopped, in words for the admin.
    pub error: Option<String>,
}

impl ImportJob {
    /// Rows with an outcome so far.
    pub fn processed(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// One row of a chunk, as the upload left it: a candidate for the lookups, or
/// a row whose outcome the upload already decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkRow {
    Candidate {
        email: Email,
        role: Role,
        seat: bool,
    },
    Invalid {
        shown: String,
        reason: String,
    },
    Duplicate {
        shown: String,
    },
}

/// Number of chunks for `rows` rows.
pub fn chunk_count(rows: usize) -> usize {
    rows.div_ceil(ROWS_PER_CHUNK)
}

/// Write units of an item of `bytes` bytes written in a transaction.
pub fn transactional_write_units(bytes: usize) -> u32 {
    2 * u32::try_from(bytes.div_ceil(1024).max(1)).unwrap_or(u32::MAX)
}

/// Paces a job's writes to a budget of write units per second, adaptively:
/// a throttled write halves the rate (down to a floor) and backs off
/// exponentially; each success wins back a tenth of the budget.
#[derive(Debug, Clone)]
pub struct Pacer {
    budget: f64,
    rate: f64,
    throttled_in_a_row: u32,
}

impl Pacer {
    /// The lowest rate a throttled job slows to, in write units per second.
    const FLOOR: f64 = 25.0;
    const FIRST_BACKOFF_MS: u64 = 250;
    const MAX_BACKOFF_MS: u64 = 20_000;

    pub fn new(write_units_per_second: u32) -> Self {
        let budget = f64::from(write_units_per_second.max(1));
        Self {
            budget,
            rate: budget,
            throttled_in_a_row: 0,
        }
    }

    /// The current rate, in write units per second.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// After a write of `units` that took `took`: how long to wait before the
    /// next one so that the job stays at its current rate.
    pub fn after_write(&mut self, units: u32, took: std::time::Duration) -> std::time::Duration {
        self.throttled_in_a_row = 0;
        let spend = std::time::Duration::from_secs_f64(f64::from(units) / self.rate);
        self.rate = (self.rate + self.budget / 10.0).min(self.budget);
        spend.saturating_sub(took)
    }

    /// After a throttled write: slows down and returns how long to back off.
    pub fn after_throttle(&mut self) -> std::time::Duration {
        self.rate = (self.rate / 2.0).max(Self::FLOOR.min(self.budget));
        let exp = self.throttled_in_a_row.min(10);
        self.throttled_in_a_row += 1;
        std::time::Duration::from_millis((Self::FIRST_BACKOFF_MS << exp).min(Self::MAX_BACKOFF_MS))
    }

    /// Throttled writes since the last success.
    pub fn throttled_in_a_row(&self) -> u32 {
        self.throttled_in_a_row
    }
}

/// The time the sweep takes over a job that last progressed at `at`.
pub fn stalled_at(at: DateTime<Utc>) -> DateTime<Utc> {
    at + STALL_AFTER
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration as Std;

    #[test]
    fn the_synchronous_limit_leaves_a_wide_margin_under_api_gateways_29_seconds() {
        // 2 units per invitation (under 1 KB, transactional) on one partition.
        let seconds_at_full_speed =
            f64::from(2 * SYNC_MAX_ROWS as u32) / f64::from(PARTITION_WRITE_UNITS);
        assert!(seconds_at_full_speed * 10.0 < 29.0 / 2.0);
        // ...while the largest upload would not fit with any margin.
        assert!(f64::from(2 * 10_000) / f64::from(PARTITION_WRITE_UNITS) > 29.0 / 2.0);
    }

    #[test]
    fn a_chunk_fits_one_transaction_and_one_item() {
        assert_eq!(chunk_count(10_000), 218);
        assert_eq!(chunk_count(46), 1);
        assert_eq!(chunk_count(47), 2);
    }

    #[test]
    fn import_ids_are_32_hex_digits_and_sort_by_creation() {
        let a = ImportId::new();
        let b = ImportId::new();
        assert!(a.as_str() < b.as_str());
        assert_eq!(ImportId::parse(a.as_str()), Ok(a));
        for bad in ["", "xyz", "../../etc", &"A".repeat(32), &"0".repeat(33)] {
            assert!(ImportId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn write_units_round_each_kb_up_and_double_for_transactions() {
        assert_eq!(transactional_write_units(0), 2);
        assert_eq!(transactional_write_units(1024), 2);
        assert_eq!(transactional_write_units(1025), 4);
    }

    #[test]
    fn the_pacer_spaces_writes_to_the_budget() {
        let mut pacer = Pacer::new(500);
        // 100 units at 500/s is 200 ms; the write itself took 50 ms.
        assert_eq!(
            pacer.after_write(100, Std::from_millis(50)),
            Std::from_millis(150)
        );
        // A write slower than its share needs no wait.
        assert_eq!(pacer.after_write(100, Std::from_secs(1)), Std::ZERO);
    }

    #[test]
    fn throttling_halves_the_rate_backs_off_exponentially_and_recovers() {
        let mut pacer = Pacer::new(500);
        assert_eq!(pacer.after_throttle(), Std::from_millis(250));
        assert_eq!(pacer.rate(), 250.0);
        assert_eq!(pacer.after_throttle(), Std::from_millis(500));
        assert_eq!(pacer.after_throttle(), Std::from_millis(1000));
        assert_eq!(pacer.throttled_in_a_row(), 3);
        assert_eq!(pacer.rate(), 62.5);
        for _ in 0..20 {
            pacer.after_throttle();
        }
        assert_eq!(pacer.rate(), 25.0, "never below the floor");
        assert_eq!(pacer.after_throttle(), Std::from_secs(20), "capped");
        // At 25 units/s, 100 units take 4 s.
        assert_eq!(pacer.after_write(100, Std::ZERO), Std::from_secs(4));
        assert_eq!(pacer.throttled_in_a_row(), 0);
        for _ in 0..20 {
            pacer.after_write(1, Std::ZERO);
        }
        assert_eq!(pacer.rate(), 500.0, "back to the budget, never above");
    }
}
