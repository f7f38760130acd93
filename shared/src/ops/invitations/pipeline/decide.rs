//! Deciding each looked-up candidate's outcome, and the invitation to write
//! for those invited.

use super::lookup::Existing;
use super::{Candidate, Outcome, RowResult};
use crate::App;
use crate::domain::invitation::expires_at;
use crate::domain::{EmailStatus, Invitation, InvitationId, InvitationState};
use crate::ops::Membership;
use chrono::{DateTime, Utc};

// Import jobs (`ops::import_chunk`) run each chunk through these: the same
// decision and the same invitation + mail transaction as the rows above,
// with the job's progress in that transaction.

/// Decides each looked-up candidate (`already_member`, `already_invited`,
/// `already_suppressed`, `cooldown` or `invited`) for [`invite_members`] and
/// import chunks, writing the outcome into `results[candidate.index]`;
/// returns the invitations to write.
pub(crate) fn decide(
    app: &App,
    membership: &Membership,
    candidates: Vec<Candidate>,
    existing: &Existing,
    results: &mut [RowResult],
) -> Vec<(usize, Invitation)> {
    let now = app.now();
    let cooldown = app.config.limits.resend_cooldown_secs;
    let mut to_invite = Vec::new();
    for candidate in candidates {
        let id = InvitationId::for_email(&candidate.email);
        results[candidate.index].outcome = if existing.members.contains(&candidate.email) {
            Outcome::AlreadyMember
        } else {
            match existing.invitations.get(&candidate.email) {
                Some(inv) if inv.state(now) == InvitationState::Pending => {
                    Outcome::AlreadyInvited(id)
                }
                _ if existing.suppressed.contains(&candidate.email) => Outcome::AlreadySuppressed,
                // An expired invitation's mail is older than its lifetime,
                // which is longer than any sensible cooldown, but not by rule.
                previous
                    if previous
                        .map(|p| p.cooldown_end(cooldown))
                        .into_iter()
                        .chain(existing.revoked.get(&candidate.email).copied())
                        .any(|end| now < end) =>
                {
                    Outcome::Cooldown
                }
                previous => {
                    let inv = new_invitation(membership, &candidate, previous, now);
                    to_invite.push((candidate.index, inv));
                    Outcome::Invited(id)
                }
            }
        };
    }
    to_invite
}

fn new_invitation(
    membership: &Membership,
    candidate: &Candidate,
    previous: Option<&Invitation>,
    now: DateTime<Utc>,
) -> Invitation {
    Invitation {
        org: membership.org.slug.clone(),
        email: candidate.email.clone(),
        role: candidate.role,
        seat: candidate.seat,
        // The address on the inviter's membership (verified when they joined
        // or created the org), never a claim that may have changed since.
        invited_by: membership.caller.email.clone(),
        invited_by_id: Some(membership.caller.user_id.clone()),
        created_at: now,
        expires_at: expires_at(now),
        generation: next_generation(now, previous.map(|p| p.generation)),
        token_hash: None,
        email_status: EmailStatus::Queued,
    }
}

/// Generations only grow, even across a delete and re-create of the item, so a
/// stale mail can never mint a link for a newer invitation.
pub fn next_generation(now: DateTime<Utc>, previous: Option<u64>) -> u64 {
    let clock = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    clock.max(previous.map_or(0, |p| p + 1))
}
