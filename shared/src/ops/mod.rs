//! The operations, grouped by feature: [`invitations`], [`imports`],
//! [`members`], [`tokens`], [`api_keys`], [`orgs`], [`mail`], [`directory`],
//! [`events`], [`webhooks`], and the scheduled [`sweep`]; here at the top, what they all share ([`Caller`], [`settle`],
//! [`access`], [`commit`], [`quota`], [`error`]). Their decisions are pure
//! functions of what the read found (unit-tested with no store); the
//! operation around one reads, decides, and writes what it decided.
//!
//! One module per operation, all of one shape: `op(app, caller, input) ->
//! Result<Output, OpError>`, where the input is a struct of typed values (list
//! operations take a query struct with the page's `limit` and `cursor`;
//! introspection and mail delivery have no caller, `list_my_orgs` no input). An
//! operation authorizes with one read ([`access::Membership::load`]: the org,
//! the caller's membership and whatever it acts on), then commits one
//! transaction of named actions built by the store ([`commit`]: with its
//! audit entry and the caller's role guard), or runs one query. It never
//! touches SDK types or keys; the answer's JSON is the HTTP layer's.
//!
//! **Lost races are handled one way.** Every conditional write restates what
//! the read saw, and a cancelled transaction is read by the names of the
//! actions that failed. A name that settles the answer maps to it (the seat
//! limit was reached: `no_seats_available`; the caller lost the role they
//! were authorized with: `forbidden`; the invitation is gone:
//! `invitation_not_found`). Any other failed condition means the state moved
//! between the read and the write: the attempt returns `None` and
//! [`settle`] runs the operation again from its read (at most
//! [`ATTEMPTS`] times), so it answers from the state as it is now.

pub mod access;
pub mod api_keys;
pub mod commit;
pub mod directory;
pub mod error;
pub mod events;
#[cfg(test)]
mod fixtures;
pub mod imports;
pub mod invitations;
pub mod mail;
pub mod members;
pub mod orgs;
pub mod quota;
pub mod sweep;
pub mod tokens;
pub mod webhooks;

/// What list operations answer: items and the cursor to continue from.
pub use crate::store::{Cursor, Page};
pub use access::Membership;
pub use error::OpError;

use crate::domain::{Email, OrgSlug, UserId};
use std::future::Future;

/// The authenticated caller: a person, or an org API key acting under the
/// user id `apikey:<id>` (with the email of the admin who created it, and
/// verified: see [`crate::domain::api_key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    pub email: Email,
    pub email_verified: bool,
}

impl Caller {
    /// Whatever sends mail or acts in someone's name (creating an org,
    /// inviting, resending, handing out a seat, issuing a token) needs an
    /// identity provider's word that the caller owns their email. Checked
    /// before any read, so it costs no DynamoDB call.
    pub fn require_verified(&self) -> Result<(), OpError> {
        if self.email_verified {
            Ok(())
        } else {
            Err(OpError::EmailUnverified)
        }
    }

    pub fn is_api_key(&self) -> bool {
        crate::domain::api_key::key_id_of(&self.user_id).is_some()
    }

    /// What only a person may do: create orgs, accept invitations, hold
    /// tokens of their own, manage API keys. Checked before any read.
    pub fn require_person(&self) -> Result<(), OpError> {
        if self.is_api_key() {
            Err(OpError::PersonRequired)
        } else {
            Ok(())
        }
    }
}

/// A member of an org an operation acts on (possibly the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberTarget {
    pub org: OrgSlug,
    pub user: UserId,
}

/// One page of a listing: at most `limit` items (1-200), from `cursor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i32,
    pub cursor: Option<String>,
}

/// What a listing answers: one page of items.
pub type Listed<T> = Result<Page<T>, OpError>;

/// A page of a listing that takes no filter (audit entries, import jobs,
/// suppressions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgPage {
    pub org: OrgSlug,
    pub page: PageRequest,
}

/// How many times an operation runs when the state keeps moving under it.
pub const ATTEMPTS: usize = 3;

/// What one run of an operation comes to: its answer, or `None` when the
/// state moved between its read and its write (see the module doc).
pub type Attempt<T> = Result<Option<T>, OpError>;

/// Runs `attempt` until it settles (`Some`), at most [`ATTEMPTS`] times; see
/// the module doc. Past that the state is too busy: `unavailable`, retry.
pub async fn settle<T, F, Fut>(mut attempt: F) -> Result<T, OpError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Attempt<T>>,
{
    for _ in 0..ATTEMPTS {
        if let Some(done) = attempt().await? {
            return Ok(done);
        }
    }
    Err(OpError::Unavailable("the state kept changing".into()))
}

/// A new seat's epoch: grows with the clock and past the previous one, so a
/// token issued under an earlier seat (even of an earlier membership of the
/// same person) never matches a later seat.
pub fn seat_epoch(now: chrono::DateTime<chrono::Utc>, previous: u64) -> u64 {
    u64::try_from(now.timestamp_millis())
        .unwrap_or(0)
        .max(previous + 1)
}
