//! Reminders: on the org's reminder day (5 of 7 unless set), the sweep mails
//! an invitee who has not accepted one reminder with a link of its own. Once
//! per generation: the invitation's due-index entry moves from "remind" to
//! "delete after TTL" in the same transaction that queues the mail, so a
//! second sweep finds nothing, and a resend (a new generation) starts again.
//! Accepting or revoking deletes the invitation, and its reminder with it.
//!
//! A reminder counts against the org's daily invitation mail limit, and may
//! use at most nine tenths of it (so admins can still invite the same day);
//! one beyond that is not sent (nor retried the next day), nor is one for an
//! org that turned reminders off, an expired invitation, or one whose first
//! mail did not arrive.
//!
//! One reminder's failure (DynamoDB busy, an unreadable item) is logged and
//! left for the next run; it never stops the sweep's other work.

use crate::App;
use crate::domain::{
    EmailStatus, Invitation, InvitationState, Limit, MailKind, Org, OrgSlug, OutboxMessage,
    ReminderDay,
};
use crate::error_chain::ErrorChain;
use crate::ops::OpError;
use crate::ops::quota::Daily;
use crate::store::{Reads, Transaction, invitations, outbox, quotas};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// What the sweep does with an invitation whose reminder is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderPlan {
    Send,
    /// Marked done without a mail, for this reason.
    Skip(&'static str),
}

pub fn plan(inv: &Invitation, org: Option<&Org>, now: DateTime<Utc>) -> ReminderPlan {
    let Some(org) = org else {
        return ReminderPlan::Skip("the org is gone");
    };
    if org.invitation_reminder_day == ReminderDay::OFF {
        return ReminderPlan::Skip("the org sends no reminders");
    }
    if inv.state(now) == InvitationState::Expired {
        return ReminderPlan::Skip("the invitation expired");
    }
    match inv.email_status {
        EmailStatus::Bounced | EmailStatus::Complained | EmailStatus::Failed => {
            ReminderPlan::Skip("its first mail did not arrive")
        }
        EmailStatus::Queued | EmailStatus::Sent => ReminderPlan::Send,
    }
}

/// The reminder mail of `inv`'s current generation.
pub fn reminder_mail(inv: &Invitation, org: &Org, now: DateTime<Utc>) -> OutboxMessage {
    OutboxMessage::new(
        inv.org.clone(),
        org.name.clone(),
        inv.email.clone(),
        MailKind::Invitation {
            invited_by: inv.invited_by.clone(),
            generation: inv.generation,
            expires_at: inv.expires_at,
            reminder: true,
        },
        now,
    )
}

/// Reminders dealt with in one sweep run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Reminded {
    pub sent: usize,
    pub skipped: usize,
    /// Left due after an error (logged), for the next run.
    pub failed: usize,
}

/// The share of the daily invitation mail limit reminders may use.
pub fn reminder_share(daily_max: u32) -> u32 {
    daily_max - daily_max / 10
}

/// Deals with every reminder of one due-index shard due by now, up to
/// `max` of them (the rest wait for the next run).
pub async fn remind_due(app: &App, shard: u32, max: i32) -> Result<Reminded, OpError> {
    let now = app.now();
    let mut done = Reminded::default();
    let mut orgs: HashMap<OrgSlug, Option<Org>> = HashMap::new();
    let due = invitations::reminders_due(shard, now);
    for due in app.store.page(&due, None, max).await?.items {
        let inv = match due.invitation {
            Ok(inv) => inv,
            Err(err) => {
                // Out of the reminder index, or it would be read first on
                // every run; TTL still removes it.
                tracing::error!(error = %ErrorChain(&err), "invitation unreadable");
                if let Err(err) = app
                    .store
                    .write(invitations::unindex_reminder(due.key))
                    .await
                    && !err.is_condition_failed()
                {
                    tracing::error!(error = %ErrorChain(&err), "unreadable invitation left due");
                }
                done.failed += 1;
                continue;
            }
        };
        match remind(app, &inv, &mut orgs, now).await {
            Ok(Some(true)) => done.sent += 1,
            Ok(Some(false)) => done.skipped += 1,
            Ok(None) => {}
            Err(err) => {
                tracing::error!(org = %inv.org, error = %ErrorChain(&err), "reminder left due");
                done.failed += 1;
            }
        }
    }
    Ok(done)
}

/// One due reminder: `Some(true)` sent, `Some(false)` done without a mail,
/// `None` the invitation moved on meanwhile.
async fn remind(
    app: &App,
    inv: &Invitation,
    orgs: &mut HashMap<OrgSlug, Option<Org>>,
    now: DateTime<Utc>,
) -> Result<Option<bool>, OpError> {
    if !orgs.contains_key(&inv.org) {
        let found = app.store.read(Reads::new().org(&inv.org)).await?;
        orgs.insert(inv.org.clone(), found.org(&inv.org).cloned());
    }
    let org = orgs[&inv.org].as_ref();
    let sent = match (plan(inv, org, now), org) {
        (ReminderPlan::Send, Some(org)) => send(app, inv, org, now).await?,
        (ReminderPlan::Skip(why), _) => {
            tracing::info!(org = %inv.org, reason = why, "reminder not sent");
            false
        }
        (ReminderPlan::Send, None) => unreachable!("plan sends only for an org"),
    };
    if sent {
        Ok(Some(true))
    } else if mark_done(app, inv).await? {
        Ok(Some(false))
    } else {
        Ok(None)
    }
}

/// Queues the reminder, marks it done and takes one from the org's daily
/// mail limit, in one transaction. `false` when the limit is reached (the
/// caller marks it done unsent) or the invitation moved on meanwhile.
async fn send(app: &App, inv: &Invitation, org: &Org, now: DateTime<Utc>) -> Result<bool, OpError> {
    let daily = Daily {
        limit: Limit::InvitationsPerOrgPerDay,
        max: reminder_share(app.config.limits.invitations_per_org_per_day),
        now,
    };
    let Ok(take) = daily.take_one(quotas::org_invites_today(&inv.org, now)) else {
        return Ok(false);
    };
    let mut tx = Transaction::new();
    tx.push("invitation", invitations::reminded(inv))
        .push("mail", outbox::enqueue(&reminder_mail(inv, org, now)))
        .push("invites_today", take);
    match app.store.transact(tx).await {
        Ok(()) => Ok(true),
        Err(err) if err.failed("invites_today") => {
            tracing::warn!(org = %inv.org, "reminder not sent: the org's daily mail limit is reached");
            Ok(false)
        }
        // Resent, accepted, revoked or reminded by another run meanwhile.
        Err(err) if err.failed("invitation") => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Marks the reminder done without a mail; `false` if the invitation moved
/// on meanwhile.
async fn mark_done(app: &App, inv: &Invitation) -> Result<bool, OpError> {
    match app.store.write(invitations::reminded(inv)).await {
        Ok(()) => Ok(true),
        Err(err) if err.is_condition_failed() => Ok(false),
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::fixtures::{at, invitation, org};

    #[test]
    fn a_pending_invitation_whose_mail_arrived_is_reminded() {
        let inv = invitation("bob", at(0));
        assert_eq!(
            plan(&inv, Some(&org(1, 3, 1)), at(5 * 86_400)),
            ReminderPlan::Send
        );
        let queued = Invitation {
            email_status: EmailStatus::Queued,
            ..inv
        };
        assert_eq!(
            plan(&queued, Some(&org(1, 3, 1)), at(5 * 86_400)),
            ReminderPlan::Send
        );
    }

    #[test]
    fn no_reminder_when_the_org_turned_them_off_or_is_gone() {
        let inv = invitation("bob", at(0));
        let off = Org {
            invitation_reminder_day: ReminderDay::OFF,
            expired_digest: false,
            ..org(1, 3, 1)
        };
        assert!(matches!(
            plan(&inv, Some(&off), at(10)),
            ReminderPlan::Skip(_)
        ));
        assert!(matches!(plan(&inv, None, at(10)), ReminderPlan::Skip(_)));
    }

    #[test]
    fn no_reminder_for_an_expired_invitation_or_one_whose_mail_did_not_arrive() {
        let inv = invitation("bob", at(0));
        let late = at(7 * 86_400);
        assert!(matches!(
            plan(&inv, Some(&org(1, 3, 1)), late),
            ReminderPlan::Skip(_)
        ));
        for status in [
            EmailStatus::Bounced,
            EmailStatus::Complained,
            EmailStatus::Failed,
        ] {
            let lost = Invitation {
                email_status: status,
                ..inv.clone()
            };
            assert!(matches!(
                plan(&lost, Some(&org(1, 3, 1)), at(10)),
                ReminderPlan::Skip(_)
            ));
        }
    }

    #[test]
    fn reminders_leave_a_tenth_of_the_days_mail_to_invitations() {
        assert_eq!(reminder_share(10_000), 9_000);
        assert_eq!(reminder_share(10), 9);
        assert_eq!(reminder_share(2), 2, "too small a limit to keep a share");
        assert_eq!(reminder_share(0), 0);
    }

    #[test]
    fn the_reminder_carries_the_generation_and_expiry_of_the_invitation() {
        let inv = invitation("bob", at(0));
        let mail = reminder_mail(&inv, &org(1, 3, 1), at(5));
        assert_eq!(mail.kind.name(), "reminder");
        assert_eq!(
            mail.kind,
            MailKind::Invitation {
                invited_by: inv.invited_by.clone(),
                generation: inv.generation,
                expires_at: inv.expires_at,
                reminder: true
            }
        );
        assert_eq!(mail.to, inv.email);
    }
}
