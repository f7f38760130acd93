//! `PATCH /orgs/{org}`: admins rename; admins and billing managers change
//! `seat_limit`, never below `seats_used` (checked in the write's condition),
//! and `idle_seat_days`, after which an unused seat counts as idle; admins set
//! `invitation_reminder_day`, the day of seven on which invitees who have not
//! accepted are reminded (for invitations sent or resent from then on, and
//! any pending reminder of the others: the sweep reads it when it is due)
//! and `expired_invitations_digest`, a daily mail to each admin listing the
//! invitations they sent that expired unanswered.

use crate::App;
use crate::domain::org::next_digest_at;
use crate::domain::{Action, IdleSeatDays, Org, OrgName, OrgSlug, ReminderDay, SeatLimit};
use crate::ops::commit::Audit;
use crate::ops::{Caller, Membership, OpError};
use crate::store::{Reads, Transaction, orgs};
use serde_json::json;

pub struct OrgChanges {
    pub org: OrgSlug,
    pub name: Option<OrgName>,
    pub seat_limit: Option<SeatLimit>,
    pub idle_seat_days: Option<IdleSeatDays>,
    pub invitation_reminder_day: Option<ReminderDay>,
    pub expired_digest: Option<bool>,
}

pub async fn update_org(app: &App, caller: &Caller, changes: OrgChanges) -> Result<Org, OpError> {
    let slug = &changes.org;
    let membership = Membership::load(app, slug, caller, Reads::new()).await?;
    if changes.name.is_some() {
        membership.require(Action::UpdateOrgName)?;
    }
    if changes.seat_limit.is_some() || changes.idle_seat_days.is_some() {
        membership.require(Action::ManageSeats)?;
    }
    if changes.invitation_reminder_day.is_some() || changes.expired_digest.is_some() {
        membership.require(Action::ManageInvitations)?;
    }
    let update = orgs::OrgUpdate {
        name: changes.name.as_ref(),
        seat_limit: changes.seat_limit,
        idle_seat_days: changes.idle_seat_days,
        invitation_reminder_day: changes.invitation_reminder_day,
        expired_digest: changes
            .expired_digest
            .map(|on| (on, next_digest_at(app.now()))),
    };
    if update.is_empty() {
        membership.require(Action::ReadOrg)?;
        return Ok(membership.org);
    }
    let mut org = membership.org.clone();
    if let Some(limit) = changes.seat_limit
        && !org.can_set_seat_limit(limit)
    {
        return Err(OpError::SeatLimitBelowUsage {
            seats_used: org.seats_used,
        });
    }
    let detail = json!({"name": changes.name, "seat_limit": changes.seat_limit,
        "idle_seat_days": changes.idle_seat_days,
        "invitation_reminder_day": changes.invitation_reminder_day,
        "expired_invitations_digest": changes.expired_digest});
    let mut tx = Transaction::new();
    tx.push("org", orgs::update(slug, update));
    let audit = Audit::new("org.updated", slug.as_str(), detail);
    match membership.commit(app, tx, audit).await? {
        Ok(()) => {
            org.name = changes.name.unwrap_or(org.name);
            org.seat_limit = changes.seat_limit.unwrap_or(org.seat_limit);
            org.idle_seat_days = changes.idle_seat_days.unwrap_or(org.idle_seat_days);
            org.invitation_reminder_day = changes
                .invitation_reminder_day
                .unwrap_or(org.invitation_reminder_day);
            org.expired_digest = changes.expired_digest.unwrap_or(org.expired_digest);
            Ok(org)
        }
        // A seat was taken meanwhile: the new limit would be below usage.
        Err(lost) if lost.on("org") => Err(OpError::SeatLimitBelowUsage {
            seats_used: org.seats_used,
        }),
        Err(lost) => Err(lost.into()),
    }
}
