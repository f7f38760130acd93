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

use crate::ops::commit::Audit;
use crate::ops::{Caller, Membership, OpError};
use crate::App;
use crate::domain::limits::secs_until;
use crate::domain::{
    Action, ClearReason, Invalid, Limit, LimitExceeded, OrgSlug, SuppressionId, SuppressionReason,
};
use crate::store::{Reads, Transaction, suppressions};
use chrono::Duration;
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
    let membership = Membership::load(app, slug, caller, reads).await?;
    membership.require(Action::ManageInvitations)?;
    let Some(found) = membership.found.suppression(&email) else {
        return Err(OpError::SuppressionNotFound);
    };
    let now = app.now();
    let interval = app.config.limits.complaint_clear_interval_secs;
    let refusal = |until| {
        OpError::LimitExceeded(LimitExceeded {
            limit: Limit::ComplaintClearInterval,
            max: interval,
            retry_after_secs: secs_until(now, until),
        })
    };
    let until = now + Duration::seconds(i64::from(interval));
    let mut tx = Transaction::new();
    tx.push("suppression", suppressions::clear(slug, &email))
        .push("org", suppressions::count(slug, -1));
    if found.reason == SuppressionReason::Complained {
        if reason.is_none() {
            return Err(OpError::invalid(
                "reason",
                Invalid::new("a reason is required to clear a complaint"),
            ));
        }
        if let Some(held) = membership.found.complaint_cleared(&email)
            && now < held
        {
            return Err(refusal(held));
        }
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
        Err(lost) if lost.on("cleared") => Err(refusal(until)),
        Err(lost) => Err(lost.into()),
    }
}
