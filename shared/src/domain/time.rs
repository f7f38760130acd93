//! How instants are written in answers, mail and audit details.

use chrono::{DateTime, SecondsFormat, Utc};

/// RFC 3339 in UTC to the second: `2026-01-02T03:04:05Z`.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
