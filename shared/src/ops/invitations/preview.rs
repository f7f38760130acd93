//! `POST /invitations/preview`: what an invitation link offers (org, role,
//! seat, expiry), for the console's accept page to show before the invitee
//! accepts. It checks what accepting checks — the link's secret, the caller's
//! verified email, expiry, membership — and changes nothing. One read.
//! Accepting runs these same checks (it calls [`preview_invitation`]) before
//! its write.

use crate::App;
use crate::domain::{Invitation, InvitationState, InviteLink, Org};
use crate::ops::{Caller, OpError};
use crate::store::Reads;

pub struct Offer {
    pub org: Org,
    pub invitation: Invitation,
}

pub async fn preview_invitation(
    app: &App,
    caller: &Caller,
    link: &InviteLink,
) -> Result<Offer, OpError> {
    caller.require_person()?;
    let slug = &link.org;
    let reads = Reads::new()
        .invitation(slug, &link.id.email())
        .org(slug)
        .member(slug, &caller.user_id)
        .member_email(slug, &caller.email);
    let found = app.store.read(reads).await?;
    let presented = link.secret_hash();
    let invitation = found
        .invitations
        .first()
        .filter(|inv| inv.link_matches(&presented))
        .ok_or(OpError::InvitationNotFound)?;
    let org = found.org(slug).ok_or(OpError::InvitationNotFound)?;
    if !caller.email_verified || caller.email != invitation.email {
        return Err(OpError::EmailMismatch);
    }
    if invitation.state(app.now()) == InvitationState::Expired {
        return Err(OpError::InvitationExpired {
            expires_at: invitation.expires_at,
        });
    }
    if !found.members.is_empty() || !found.member_emails.is_empty() {
        return Err(OpError::AlreadyMember);
    }
    Ok(Offer {
        org: org.clone(),
        invitation: invitation.clone(),
    })
}
