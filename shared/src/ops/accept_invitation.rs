//! `POST /invitations/accept`: the invitee, logged in with the invited and
//! verified email, turns the link into a membership. One read (invitation,
//! org and the caller's possible membership together), one transaction that
//! consumes the invitation, so a link works once.

use super::{Caller, OpError, audit, seat_epoch};
use crate::App;
use crate::domain::{InvitationState, InviteLink, MailKind, Member, Org, OutboxMessage, Role};
use crate::store::attrs::{n, s};
use crate::store::tx::{Expr, delete, put_new, update};
use crate::store::{invitations, members, orgs, outbox, quotas};
use serde_json::json;

pub struct Accepted {
    pub org: Org,
    pub role: Role,
    pub seat: bool,
}

pub async fn accept_invitation(
    app: &App,
    caller: &Caller,
    link: &InviteLink,
) -> Result<Accepted, OpError> {
    let slug = &link.org;
    let invited_email = link.id.email();
    let items = app
        .store
        .batch_get(vec![
            invitations::invitation_key(slug, &invited_email),
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
    let mut org = org.ok_or(OpError::InvitationNotFound)?;
    if !caller.email_verified || caller.email != invitation.email {
        return Err(OpError::EmailMismatch);
    }
    let now = app.now();
    if invitation.state(now) == InvitationState::Expired {
        return Err(OpError::InvitationExpired {
            expires_at: invitation.expires_at,
        });
    }
    if already_member {
        return Err(OpError::AlreadyMember);
    }

    let mut with_seat = invitation.seat && org.has_free_seat();
    loop {
        let table = app.store.table();
        let member = Member {
            user_id: caller.user_id.clone(),
            email: caller.email.clone(),
            role: invitation.role,
            seat_assigned_at: with_seat.then_some(now),
            seat_epoch: if with_seat { seat_epoch(now, 0) } else { 0 },
            joined_at: now,
        };
        let mut org_update = vec!["admin_count = admin_count + :admins"];
        let mut org_condition = "attribute_exists(pk)".to_owned();
        let mut org_expr = Expr::new().value(":admins", n(u8::from(member.role == Role::Admin)));
        if with_seat {
            org_update.push("seats_used = seats_used + :one");
            org_condition.push_str(" AND seats_used < seat_limit");
            org_expr = org_expr.value(":one", n(1));
        }
        let mut actions = vec![
            delete(
                table,
                invitations::invitation_key(slug, &invitation.email),
                Some("token_hash = :hash AND generation = :generation AND expires_at > :now"),
                Expr::new()
                    .value(":hash", s(presented.as_str()))
                    .value(":generation", n(invitation.generation))
                    .value(":now", n(now.timestamp())),
            ),
            update(
                table,
                orgs::org_key(slug),
                &format!("SET {}", org_update.join(", ")),
                Some(&org_condition),
                org_expr,
            ),
            put_new(table, members::to_item(slug, &member)),
            put_new(table, members::email_item(slug, &member)),
            audit::entry(
                app,
                slug,
                caller,
                "invitation.accepted",
                caller.user_id.as_str(),
                json!({"email": member.email, "role": member.role, "seat": with_seat}),
            ),
        ];
        // One open invitation fewer for the pending limit.
        actions.push(quotas::give_back(table, quotas::org_pending(slug), 1));
        if with_seat {
            let mail = OutboxMessage::new(
                slug.clone(),
                org.name.clone(),
                member.email.clone(),
                MailKind::SeatAssigned,
                now,
            );
            actions.push(put_new(table, outbox::to_item(&mail)));
        }
        match app.store.transact(actions).await {
            Ok(()) => {
                org.seats_used += u32::from(with_seat);
                return Ok(Accepted {
                    org,
                    role: member.role,
                    seat: with_seat,
                });
            }
            // The last free seat went to someone else meanwhile: join without one.
            Err(err) if with_seat && err.failed_at(1) => with_seat = false,
            Err(err) if err.failed_at(0) => return Err(OpError::InvitationNotFound),
            Err(err) if err.failed_at(2) || err.failed_at(3) => {
                return Err(OpError::AlreadyMember);
            }
            Err(err) if err.failed_at(1) => return Err(OpError::InvitationNotFound),
            Err(err) => return Err(err.into()),
        }
    }
}
