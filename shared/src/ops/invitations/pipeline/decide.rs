//! Deciding each looked-up candidate's outcome, and the invitation to write
//! for those invited: pure, from what the lookup found and the clock. Invites
//! and import chunks decide alike; resends renew through [`next_generation`].

use super::lookup::Existing;
use super::{Candidate, Outcome, RowResult};
use crate::domain::invitation::expires_at;
use crate::domain::{EmailStatus, Invitation, InvitationId, InvitationState, Limits};
use crate::ops::Membership;
use chrono::{DateTime, Utc};

/// When a decision is taken, and the mail cooldown (`resend_cooldown`) it
/// holds addresses to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deciding {
    pub(crate) now: DateTime<Utc>,
    pub(crate) cooldown_secs: u32,
}

impl Deciding {
    pub(crate) fn new(now: DateTime<Utc>, limits: &Limits) -> Self {
        Self {
            now,
            cooldown_secs: limits.resend_cooldown_secs,
        }
    }
}

/// What the lookup decides for one candidate.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict<'a> {
    /// Nothing to write: the row's outcome is settled.
    Settled(Outcome),
    /// Invite, replacing `previous` (an expired invitation) if any.
    Invite { previous: Option<&'a Invitation> },
}

/// The verdict for `candidate`, in order: a member is `already_member`, a
/// pending invitation `already_invited`, a suppressed address
/// `already_suppressed`, an address mailed (or revoked) less than the
/// cooldown ago `cooldown`; anyone else is invited.
pub(crate) fn verdict<'a>(
    candidate: &Candidate,
    existing: &'a Existing,
    at: Deciding,
) -> Verdict<'a> {
    let (email, now) = (&candidate.email, at.now);
    if existing.members.contains(email) {
        return Verdict::Settled(Outcome::AlreadyMember);
    }
    let previous = existing.invitations.get(email);
    if previous.is_some_and(|inv| inv.state(now) == InvitationState::Pending) {
        return Verdict::Settled(Outcome::AlreadyInvited(InvitationId::for_email(email)));
    }
    if existing.suppressed.contains(email) {
        return Verdict::Settled(Outcome::AlreadySuppressed);
    }
    // An expired invitation's mail is older than its lifetime, which is
    // longer than any sensible cooldown, but not by rule.
    let cooling = previous
        .map(|p| p.cooldown_end(at.cooldown_secs))
        .into_iter()
        .chain(existing.revoked.get(email).copied())
        .any(|end| now < end);
    if cooling {
        return Verdict::Settled(Outcome::Cooldown);
    }
    Verdict::Invite { previous }
}

/// Decides each looked-up candidate ([`verdict`]), writing the outcome into
/// `results[candidate.index]`; returns the invitations to write, sent in
/// `membership`'s name.
pub(crate) fn decide(
    membership: &Membership,
    candidates: Vec<Candidate>,
    existing: &Existing,
    at: Deciding,
    results: &mut [RowResult],
) -> Vec<(usize, Invitation)> {
    let mut to_invite = Vec::new();
    for candidate in candidates {
        results[candidate.index].outcome = match verdict(&candidate, existing, at) {
            Verdict::Settled(outcome) => outcome,
            Verdict::Invite { previous } => {
                let inv = new_invitation(membership, &candidate, previous, at.now);
                to_invite.push((candidate.index, inv));
                Outcome::Invited(InvitationId::for_email(&candidate.email))
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
        reminder_hash: None,
        remind_at: membership.org.invitation_reminder_day.remind_at(now),
        email_status: EmailStatus::Queued,
    }
}

/// Generations only grow, even across a delete and re-create of the item, so a
/// stale mail can never mint a link for a newer invitation.
pub fn next_generation(now: DateTime<Utc>, previous: Option<u64>) -> u64 {
    let clock = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    clock.max(previous.map_or(0, |p| p + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::invitation::INVITATION_LIFETIME;
    use crate::domain::{Role, Suppression, SuppressionReason};
    use crate::ops::fixtures::{admin_membership, at, email, invitation, slug};
    use crate::store::Found;

    const COOLDOWN: u32 = 3_600;

    fn deciding(now: DateTime<Utc>, cooldown_secs: u32) -> Deciding {
        Deciding { now, cooldown_secs }
    }

    fn candidate(index: usize, to: &str) -> Candidate {
        Candidate {
            index,
            email: email(to),
            role: Role::Member,
            seat: true,
        }
    }

    fn verdict_for(to: &str, found: Found, now: DateTime<Utc>) -> Outcome {
        let existing = Existing::from(found);
        match verdict(&candidate(0, to), &existing, deciding(now, COOLDOWN)) {
            Verdict::Settled(outcome) => outcome,
            Verdict::Invite { .. } => Outcome::Invited(InvitationId::for_email(&email(to))),
        }
    }

    /// An email index item as a read finds it: the address and its member.
    fn member_email(name: &str) -> (crate::domain::Email, crate::domain::UserId) {
        (email(name), crate::domain::UserId::parse(name).unwrap())
    }

    fn invited(to: &str) -> Outcome {
        Outcome::Invited(InvitationId::for_email(&email(to)))
    }

    #[test]
    fn a_member_is_already_member_even_with_a_pending_invitation() {
        let found = Found {
            member_emails: vec![member_email("bob")],
            invitations: vec![invitation("bob", at(0))],
            ..Found::default()
        };
        assert_eq!(verdict_for("bob", found, at(10)), Outcome::AlreadyMember);
    }

    #[test]
    fn a_pending_invitation_is_already_invited() {
        let found = Found {
            invitations: vec![invitation("bob", at(0))],
            ..Found::default()
        };
        let id = InvitationId::for_email(&email("bob"));
        assert_eq!(
            verdict_for("bob", found, at(10)),
            Outcome::AlreadyInvited(id)
        );
    }

    #[test]
    fn a_suppressed_address_is_already_suppressed() {
        let found = Found {
            suppressions: vec![Suppression {
                org: slug(),
                email: email("bob"),
                reason: SuppressionReason::Bounced,
                detail: String::new(),
                at: at(0),
            }],
            ..Found::default()
        };
        assert_eq!(
            verdict_for("bob", found, at(10)),
            Outcome::AlreadySuppressed
        );
    }

    #[test]
    fn a_revoked_invitation_holds_its_address_until_the_cooldown_ends() {
        let found = || Found {
            revoked: vec![(email("bob"), at(100))],
            ..Found::default()
        };
        assert_eq!(verdict_for("bob", found(), at(99)), Outcome::Cooldown);
        assert_eq!(verdict_for("bob", found(), at(100)), invited("bob"));
    }

    #[test]
    fn an_expired_invitation_mailed_inside_the_cooldown_is_cooldown_and_later_replaced() {
        let expired = || Found {
            invitations: vec![invitation("bob", at(0))],
            ..Found::default()
        };
        let lifetime = INVITATION_LIFETIME.num_seconds();
        // Expired, yet (with a cooldown longer than the lifetime) still cooling.
        let existing = Existing::from(expired());
        let long = u32::try_from(lifetime + 60).unwrap();
        let cooling = verdict(
            &candidate(0, "bob"),
            &existing,
            deciding(at(lifetime), long),
        );
        assert_eq!(cooling, Verdict::Settled(Outcome::Cooldown));
        // Past both: invited again, replacing the expired one.
        let existing = Existing::from(expired());
        let Verdict::Invite { previous } = verdict(
            &candidate(0, "bob"),
            &existing,
            deciding(at(lifetime), COOLDOWN),
        ) else {
            panic!("expected an invitation");
        };
        assert_eq!(previous.map(|p| p.generation), Some(7));
    }

    #[test]
    fn decide_writes_each_outcome_and_invites_in_the_inviters_name() {
        let membership = admin_membership();
        let found = Found {
            member_emails: vec![member_email("member")],
            ..Found::default()
        };
        let existing = Existing::from(found);
        let mut results: Vec<RowResult> = (0..3)
            .map(|row| RowResult {
                row: row + 1,
                email: String::new(),
                outcome: Outcome::Duplicate,
            })
            .collect();
        let candidates = vec![candidate(0, "member"), candidate(2, "new")];
        let now = at(5);
        let to_invite = decide(
            &membership,
            candidates,
            &existing,
            deciding(now, COOLDOWN),
            &mut results,
        );
        assert_eq!(results[0].outcome, Outcome::AlreadyMember);
        assert_eq!(results[1].outcome, Outcome::Duplicate, "not a candidate");
        assert_eq!(results[2].outcome, invited("new"));
        let [(index, inv)] = to_invite.as_slice() else {
            panic!("one invitation: {to_invite:?}");
        };
        assert_eq!(*index, 2);
        assert_eq!(inv.email, email("new"));
        assert_eq!(inv.invited_by, membership.caller.email);
        assert_eq!(inv.invited_by_id.as_ref(), Some(&membership.caller.user_id));
        assert_eq!((inv.created_at, inv.expires_at), (now, expires_at(now)));
        assert_eq!(inv.email_status, EmailStatus::Queued);
        assert!(inv.seat);
    }

    #[test]
    fn generations_follow_the_clock_and_always_grow() {
        let now = at(0);
        let clock = u64::try_from(now.timestamp_millis()).unwrap();
        assert_eq!(next_generation(now, None), clock);
        assert_eq!(next_generation(now, Some(clock - 10)), clock);
        assert_eq!(next_generation(now, Some(clock + 10)), clock + 11);
    }
}
