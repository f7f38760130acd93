//! The daily abuse limits an operation takes one from in its own write
//! (orgs created, tokens issued, mails sent): the counter's update rides in
//! the transaction, and its failed condition answers the same `429` as a
//! counter already full.

use super::OpError;
use crate::domain::Limit;
use crate::store::tx::Action as TxAction;
use crate::store::{Item, quotas};
use chrono::{DateTime, Utc};

/// One daily limit as of `now`.
pub struct Daily {
    pub limit: Limit,
    pub max: u32,
    pub now: DateTime<Utc>,
}

impl Daily {
    /// The `429`: retry when the UTC day turns.
    pub fn refusal(&self) -> OpError {
        OpError::LimitExceeded(quotas::daily_refusal(self.limit, self.max, self.now))
    }

    /// The update taking one from `counter` (today's), or the refusal when
    /// the limit allows none at all.
    pub fn take_one(&self, counter: Item) -> Result<TxAction, OpError> {
        quotas::take(counter, 1, self.max, quotas::daily(self.now)).ok_or_else(|| self.refusal())
    }
}
