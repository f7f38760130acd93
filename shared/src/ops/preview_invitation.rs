//! `POST /invitations/preview`: what an invitation link offers (org, role,
//! seat, expiry), for the console's accept page to show before the invitee
//! accepts. It checks exactly what accepting checks — the link's secret, the
//! caller's verified email, expiry, membership — and changes nothing. One read.

use super::{Caller, OpError};
use crate::App;
use crate::domain::{Invitation, InvitationState, InviteLink, Org};
use crate::store::{invitations, members, orgs};

pub struct Offer {
    pub org: Org,
    pub invitation: Invitation,
}

pub async fn preview_invitation(
    app: &App,
    caller: &Caller,
    link: &InviteLink,
) -> Result<Offer, OpError> {
    let slug = &link.org;
    let items = app
        .store
        .batch_get(vec![
            invitations::invitation_key(slug, &link.id.email()),
            orgs::org_key(slug),
            members::member_key(slug, &caller.user_id),
            members::member_email_key(slug, &caller.email),
        ])
        .await?;
    let mut invitation = None;
    let mut org = None;
    let mut already_member = false;
    for item in &items {
        if invitations::is_invitation_item(item) {
            invitation = Some(invitations::from_item(item)?);
        } else if orgs::is_org_item(item) {
            org = Some(orgs::from_item(item)?);
        } else {
            already_member = true;
        }
    }
    let presented = link.secret_hash();
    let invitation = invitation
        .filter(|inv| {
            inv.token_hash
                .as_ref()
                .is_some_and(|h| h.matches(&presented))
        })
        .ok_or(OpError::InvitationNotFound)?;
    let org = org.ok_or(OpError::InvitationNotFound)?;
    if !caller.email_verified || caller.email != invitation.email {
        return Err(OpError::EmailMismatch);
    }
    if invitation.state(app.now()) == InvitationState::Expired {
        return Err(OpError::InvitationExpired {
            expires_at: invitation.expires_at,
        });
    }
    if already_member {
        return Err(OpError::AlreadyMember);
    }
    Ok(Offer { org, invitation })
}
