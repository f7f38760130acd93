//! Accepting: the invited, verified email only; once; before expiry.

use chrono::Duration;
use roster::http::routes::{accept_invitation, get_member, list_members};
use roster_tests::{Req, TestApp, User, jwt};
use serde_json::json;

#[tokio::test]
async fn accepting_makes_the_invitee_a_member_the_admin_can_see() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, token) = app.org_with_invitee(3, "billing_manager", true).await;
    let resp = app.accept(&bob, &token).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(resp.json["org"]["slug"], json!(org));
    assert_eq!(resp.json["org"]["seats_used"], 1);
    assert_eq!(resp.json["role"], "billing_manager");
    assert_eq!(resp.json["seat"], true);

    let members = Req::get("/orgs/{org}/members")
        .org(&org)
        .user(&alice)
        .send(&app, list_members::handle)
        .await;
    assert_eq!(members.status, 200);
    let emails: Vec<_> = members.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].clone())
        .collect();
    assert!(emails.contains(&json!(bob.email)));
    let me = Req::get("/orgs/{org}/members/{user_id}")
        .org(&org)
        .param("user_id", &bob.sub)
        .user(&alice)
        .send(&app, get_member::handle)
        .await;
    assert_eq!(me.json["role"], "billing_manager");
    assert!(me.json["seat"]["assigned_at"].is_string());

    // The invitation is consumed: no longer listed.
    let pending = app.invitations(&alice, &org, "pending").await;
    assert_eq!(pending.json["items"], json!([]));
}

#[tokio::test]
async fn a_token_works_only_once() {
    let app = TestApp::spawn().await;
    let (_, _, bob, token) = app.org_with_invitee(0, "member", false).await;
    assert_eq!(app.accept(&bob, &token).await.status, 200);
    let again = app.accept(&bob, &token).await;
    assert_eq!(again.status, 404);
    assert_eq!(again.code(), "invitation_not_found");
}

#[tokio::test]
async fn accepting_with_another_email_is_403_email_mismatch() {
    let app = TestApp::spawn().await;
    let (_, _, bob, token) = app.org_with_invitee(0, "member", false).await;
    let resp = app.accept(&User::new("eve"), &token).await;
    assert_eq!(resp.status, 403);
    assert_eq!(resp.code(), "email_mismatch");
    // An unverified email is not good enough either.
    let unverified = jwt(
        &json!({"sub": bob.sub, "email": bob.email, "email_verified": false,
        "exp": chrono::Utc::now().timestamp() + 600}),
    );
    let resp = Req::post("/invitations/accept")
        .bearer(&unverified)
        .json(json!({"token": token}))
        .send(&app, accept_invitation::handle)
        .await;
    assert_eq!(resp.status, 403);
    assert_eq!(resp.code(), "email_mismatch");
    // The rightful invitee still can.
    assert_eq!(app.accept(&bob, &token).await.status, 200);
}

#[tokio::test]
async fn an_invitation_past_its_expiry_is_410_even_if_the_item_exists() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, token) = app.org_with_invitee(0, "member", false).await;
    app.clock.advance(Duration::days(7) + Duration::seconds(1));
    let resp = app.accept(&bob, &token).await;
    assert_eq!(resp.status, 410, "{}", resp.body);
    assert_eq!(resp.code(), "invitation_expired");
    assert!(resp.json["detail"].as_str().unwrap().contains("expired on"));

    let expired = app.invitations(&alice, &org, "expired").await;
    assert_eq!(expired.json["items"][0]["status"], "expired");
    let pending = app.invitations(&alice, &org, "pending").await;
    assert_eq!(pending.json["items"], json!([]));
}

#[tokio::test]
async fn a_forged_or_malformed_token_is_404() {
    let app = TestApp::spawn().await;
    let (_, _, bob, token) = app.org_with_invitee(0, "member", false).await;
    let (prefix, _) = token.rsplit_once('.').unwrap();
    let forged = format!("{prefix}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    for bad in [forged.as_str(), "garbage", ""] {
        let resp = app.accept(&bob, bad).await;
        assert_eq!(resp.status, 404, "{bad}: {}", resp.body);
        assert_eq!(resp.code(), "invitation_not_found");
    }
}

#[tokio::test]
async fn someone_already_in_the_org_gets_409_already_member() {
    let app = TestApp::spawn().await;
    let (_, alice, bob, token) = app.org_with_invitee(0, "member", false).await;
    // Alice (already the admin) changes her login email to Bob's invited one.
    let alice_as_bob = User {
        sub: alice.sub.clone(),
        email: bob.email.clone(),
    };
    let resp = app.accept(&alice_as_bob, &token).await;
    assert_eq!(resp.status, 409, "{}", resp.body);
    assert_eq!(resp.code(), "already_member");
}

#[tokio::test]
async fn a_seat_invitation_joins_without_a_seat_when_none_is_free() {
    let app = TestApp::spawn().await;
    let (_, _, bob, token) = app.org_with_invitee(0, "member", true).await;
    let resp = app.accept(&bob, &token).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json["seat"], false);
    assert_eq!(resp.json["org"]["seats_used"], 0);
}
