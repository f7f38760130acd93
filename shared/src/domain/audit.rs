//! Audit entries: who did what to whom, recorded with every change.

use chrono::{DateTime, Duration, Utc};

/// How long entries are kept.
pub const RETENTION: Duration = Duration::days(365);

/// One entry. `detail` never holds a secret: operations put only ids,
/// emails, roles and counts in it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// The acting user's id: who acted, whatever their email is later.
    /// Entries written before it was recorded have none.
    pub actor_id: Option<String>,
    /// The actor's email at the time (a snapshot).
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: serde_json::Value,
}
