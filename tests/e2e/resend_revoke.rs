//! Resending renews an invitation and kills its old link; revoking kills it.

use chrono::Duration;
use roster::http::routes::revoke_invitation;
use roster_tests::mail::{deliver_queued, latest_invite_token, sent_to};
use roster_tests::{Req, Resp, TestApp, User};

fn invitation_id(token: &str) -> String {
    token.split('.').nth(1).unwrap().to_owned()
}

async fn revoke(app: &TestApp, admin: &User, org: &str, id: &str) -> Resp {
    Req::delete("/orgs/{org}/invitations/{id}")
        .org(org)
        .param("id", id)
        .user(admin)
        .send(app, revoke_invitation::handle)
        .await
}

#[tokio::test]
async fn resending_kills_the_old_link_and_mails_a_new_one() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, old) = app.org_with_invitee(0, "member", false).await;
    let resp = app
        .resend_after_cooldown(&alice, &org, &invitation_id(&old))
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(resp.json["status"], "pending");
    assert_eq!(resp.json["email_status"], "queued");

    // The old link is dead at once, before the new mail is even sent.
    let dead = app.accept(&bob, &old).await;
    assert_eq!(dead.status, 404);
    assert_eq!(dead.code(), "invitation_not_found");

    deliver_queued(&app, &org).await;
    assert_eq!(sent_to(&bob.email).await.len(), 2);
    let new = latest_invite_token(&bob.email).await.unwrap();
    assert_ne!(new, old);
    assert_eq!(app.accept(&bob, &new).await.status, 200);
}

#[tokio::test]
async fn an_expired_invitation_can_be_resent_for_seven_more_days() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, old) = app.org_with_invitee(0, "member", false).await;
    app.clock.advance(Duration::days(8));
    let listed = app.invitations(&alice, &org, "expired").await;
    assert_eq!(listed.json["items"][0]["status"], "expired");
    let resp = app
        .resend_after_cooldown(&alice, &org, &invitation_id(&old))
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json["status"], "pending");
    let expires =
        chrono::DateTime::parse_from_rfc3339(resp.json["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(
        expires.timestamp(),
        (app.clock_now() + Duration::days(7)).timestamp()
    );
    deliver_queued(&app, &org).await;
    let new = latest_invite_token(&bob.email).await.unwrap();
    assert_eq!(app.accept(&bob, &new).await.status, 200);
}

#[tokio::test]
async fn a_revoked_link_is_404_and_cannot_be_resent() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, token) = app.org_with_invitee(0, "member", false).await;
    let id = invitation_id(&token);
    assert_eq!(revoke(&app, &alice, &org, &id).await.status, 204);
    assert_eq!(
        app.accept(&bob, &token).await.code(),
        "invitation_not_found"
    );
    assert_eq!(revoke(&app, &alice, &org, &id).await.status, 404);
    assert_eq!(
        app.resend_after_cooldown(&alice, &org, &id).await.code(),
        "invitation_not_found"
    );
    // Accepted invitations cannot be resent either.
    let carol = User::new("carol");
    let token = app
        .invite_and_get_token(&alice, &org, &carol, "member", false)
        .await;
    assert_eq!(app.accept(&carol, &token).await.status, 200);
    assert_eq!(
        app.resend_after_cooldown(&alice, &org, &invitation_id(&token))
            .await
            .status,
        404
    );
    // A made-up id names nothing.
    assert_eq!(
        app.resend_after_cooldown(&alice, &org, "!!").await.status,
        404
    );
}

#[tokio::test]
async fn a_stale_mail_for_an_old_generation_mints_no_link() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let bob = User::new("bob");
    let resp = app
        .invite(&alice, &org, &[&bob.email], "member", false)
        .await;
    let id = resp.json["results"][0]["invitation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Resent before the first mail went out: both mails are queued.
    app.resend_after_cooldown(&alice, &org, &id).await;
    deliver_queued(&app, &org).await;
    let mails = sent_to(&bob.email).await;
    assert_eq!(mails.len(), 1, "only the current generation's mail is sent");
    let token = roster_tests::mail::token_in(&mails[0].body).unwrap();
    assert_eq!(app.accept(&bob, &token).await.status, 200);
}
