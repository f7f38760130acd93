//! `DELETE /orgs/{org}/suppressions/{id}`: an admin lets the org mail an
//! address again (the typo was fixed, the person asked to be invited). The
//! invitation, if any, keeps its `bounced`/`complained` status until it is
//! resent.
//!
//! A complaint means the recipient called the org's mail spam, so clearing
//! one takes a reason (kept in the audit entry) and happens at most once per
//! address per `complaint_clear_interval` (30 days by default): the clear
//! leaves a marker that outlives the suppression, read with the authorizing
//! read and written under a condition in the clearing transaction. Inside
//! the interval: `429 limit_exceeded`. A bounce can be cleared at any time,
//! with or without a reason.

use crate::App;
use crate::domain::limits::secs_until;
use crate::domain::{
    Action, ClearReason, Invalid, Limit, LimitExceeded, OrgSlug, SuppressionId, SuppressionReason,
};
use crate::ops::commit::Audit;
use crate::ops::{Caller, Membership, OpError};
use crate::store::{Reads, Transaction, suppressions};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

pub struct SuppressionRef {
    pub org: OrgSlug,
    pub id: SuppressionId,
}

/// What to clear, and why.
pub struct Clear {
    pub suppression: SuppressionRef,
    pub reason: Option<ClearReason>,
}

pub async fn clear_suppression(app: &App, caller: &Caller, input: Clear) -> Result<(), OpError> {
    let Clear {
        suppression,
        reason,
    } = input;
    let (slug, email) = (&suppression.org, suppression.id.email());
    let reads = Reads::new()
        .suppression(slug, &email)
        .complaint_cleared(slug, &email);
    let membership =
        Membership::authorize(app, slug, caller, reads, Action::ManageInvitations).await?;
    let Some(found) = membership.found.suppression(&email) else {
        return Err(OpError::SuppressionNotFound);
    };
    let now = app.now();
    let interval = ComplaintClears {
        secs: app.config.limits.complaint_clear_interval_secs,
        now,
    };
    let held = membership.found.complaint_cleared(&email);
    let marker = interval.marker(found.reason, reason.as_ref(), held)?;
    let mut tx = Transaction::new();
    tx.push("suppression", suppressions::clear(slug, &email))
        .push("org", suppressions::count(slug, -1));
    if let Some(until) = marker {
        tx.push(
            "cleared",
            suppressions::mark_complaint_cleared(slug, &email, until, now),
        );
    }
    let detail = json!({
        "id": suppression.id.as_str(),
        "reason": found.reason.as_str(),
        "clear_reason": reason.as_ref().map(ClearReason::as_str),
    });
    let audit = Audit::new("suppression.cleared", email.as_str(), detail);
    match membership.commit(app, tx, audit).await? {
        Ok(()) => Ok(()),
        Err(lost) if lost.on("suppression") => Err(OpError::SuppressionNotFound),
        // A concurrent clear of an earlier complaint about this address won.
        Err(lost) if lost.on("cleared") => Err(interval.refusal(interval.next())),
        Err(lost) => Err(lost.into()),
    }
}

/// The interval between two complaint clears of one address, at `now`.
pub(crate) struct ComplaintClears {
    pub(crate) secs: u32,
    pub(crate) now: DateTime<Utc>,
}

impl ComplaintClears {
    /// Until when a clear now holds the next one off.
    fn next(&self) -> DateTime<Utc> {
        self.now + Duration::seconds(i64::from(self.secs))
    }

    fn refusal(&self, until: DateTime<Utc>) -> OpError {
        OpError::LimitExceeded(LimitExceeded {
            limit: Limit::ComplaintClearInterval,
            max: self.secs,
            retry_after_secs: secs_until(self.now, until),
        })
    }

    /// The complaint-clear marker clearing a suppression for `reason`
    /// leaves (its end), if any: a bounce clears freely and leaves none; a
    /// complaint takes a clear reason, and waits out the marker an earlier
    /// clear left (`held`: its end).
    pub(crate) fn marker(
        &self,
        reason: SuppressionReason,
        clear_reason: Option<&ClearReason>,
        held: Option<DateTime<Utc>>,
    ) -> Result<Option<DateTime<Utc>>, OpError> {
        if reason != SuppressionReason::Complained {
            return Ok(None);
        }
        if clear_reason.is_none() {
            return Err(OpError::invalid(
                "reason",
                Invalid::new("a reason is required to clear a complaint"),
            ));
        }
        match held {
            Some(held) if self.now < held => Err(self.refusal(held)),
            _ => Ok(Some(self.next())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::fixtures::at;

    const DAY: u32 = 86_400;

    fn clears(now: i64) -> ComplaintClears {
        ComplaintClears {
            secs: 30 * DAY,
            now: at(now),
        }
    }

    fn why() -> ClearReason {
        ClearReason::parse("the person asked to be invited").unwrap()
    }

    #[test]
    fn a_bounce_clears_freely_and_leaves_no_marker() {
        let cleared = clears(0).marker(SuppressionReason::Bounced, None, Some(at(10)));
        assert_eq!(cleared.unwrap(), None);
    }

    #[test]
    fn a_complaint_needs_a_reason() {
        let refused = clears(0).marker(SuppressionReason::Complained, None, None);
        assert!(matches!(refused, Err(OpError::Invalid { ref field, .. }) if field == "reason"));
    }

    #[test]
    fn a_complaint_clears_once_per_interval() {
        let why = why();
        let marker = clears(0).marker(SuppressionReason::Complained, Some(&why), None);
        assert_eq!(marker.unwrap(), Some(at(i64::from(30 * DAY))));
        let held = Some(at(100));
        let refused = clears(40).marker(SuppressionReason::Complained, Some(&why), held);
        let Err(OpError::LimitExceeded(over)) = refused else {
            panic!("held off: {refused:?}");
        };
        assert_eq!(
            (over.limit, over.retry_after_secs),
            (Limit::ComplaintClearInterval, 60)
        );
        let later = clears(100).marker(SuppressionReason::Complained, Some(&why), held);
        assert!(later.unwrap().is_some());
    }
}
