//! How instants are written in answers, mail and audit details.

use chrono::{DateTime, SecondsFormat, Utc};

/// Last use is recorded at most this often (a token's, a seat's, an API
/// key's): a use within the hour of the recorded one writes nothing, so the
/// hot paths almost never write.
pub const LAST_USE_GRANULARITY: chrono::Duration = chrono::Duration::hours(1);

/// Whether a use at `now` should be recorded, given the one recorded.
pub fn use_is_stale(recorded: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    recorded.is_none_or(|at| now - at >= LAST_USE_GRANULARITY)
}

/// RFC 3339 in UTC to the second: `2026-01-02T03:04:05Z`.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
