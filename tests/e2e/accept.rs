//! Accepting: the invited, verified email only; once; before expiry.

use chrono::Duration;
use roster::http::routes::{
    accept_invitation, change_role, get_member, list_members, remove_member,
};
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

/// `by` sets `target`'s role.
async fn set_role(app: &TestApp, org: &str, by: &User, target: &User, role: &str) {
    let resp = Req::put("/orgs/{org}/members/{user_id}/role")
        .org(org)
        .param("user_id", &target.sub)
        .user(by)
        .json(json!({"role": role}))
        .send(app, change_role::handle)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
}

fn pending_emails(list: &roster_tests::Resp) -> Vec<String> {
    list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["email"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_elevated_invitation_from_an_admin_since_demoted_or_removed_cannot_be_accepted() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 3).await;
    let carol = User::new("carol");
    app.add_member(&alice, &org, &carol, "admin", false).await;
    let (bob, dan, erin) = (User::new("bob"), User::new("dan"), User::new("erin"));
    let to_bob = app
        .invite_and_get_token(&carol, &org, &bob, "admin", true)
        .await;
    let to_dan = app
        .invite_and_get_token(&carol, &org, &dan, "billing_manager", false)
        .await;
    let to_erin = app
        .invite_and_get_token(&carol, &org, &erin, "member", false)
        .await;

    // Carol is demoted: her admin invitation no longer makes an admin.
    set_role(&app, &org, &alice, &carol, "member").await;
    app.calls.reset();
    let refused = app.accept(&bob, &to_bob).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.code(), "inviter_no_longer_allowed");
    assert_eq!(
        app.calls.total(),
        2,
        "the check rides on the accept's transaction"
    );
    let pending = app.invitations(&alice, &org, "pending").await;
    assert!(
        pending_emails(&pending).contains(&bob.email),
        "still pending"
    );
    let bob_in = Req::get("/orgs/{org}/members/{user_id}")
        .org(&org)
        .param("user_id", &bob.sub)
        .user(&alice)
        .send(&app, get_member::handle)
        .await;
    assert_eq!(bob_in.status, 404, "bob did not join");

    // Once she may grant it again, the same link works.
    set_role(&app, &org, &alice, &carol, "admin").await;
    let joined = app.accept(&bob, &to_bob).await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    assert_eq!(joined.json["role"], "admin");

    // Carol is removed: her billing-manager invitation dies with her role;
    // a plain member's invitation stands whoever sent it.
    let removed = Req::delete("/orgs/{org}/members/{user_id}")
        .org(&org)
        .param("user_id", &carol.sub)
        .user(&alice)
        .send(&app, remove_member::handle)
        .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    let refused = app.accept(&dan, &to_dan).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.code(), "inviter_no_longer_allowed");
    assert_eq!(app.accept(&erin, &to_erin).await.status, 200);

    // A current admin's resend makes the invitation theirs.
    let id = roster_tests::address_id(&dan.email);
    let resent = app.resend_after_cooldown(&alice, &org, &id).await;
    assert_eq!(resent.status, 200, "{}", resent.body);
    roster_tests::mail::deliver_queued(&app, &org).await;
    let to_dan = roster_tests::mail::latest_invite_token(&dan.email)
        .await
        .unwrap();
    let joined = app.accept(&dan, &to_dan).await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    assert_eq!(joined.json["role"], "billing_manager");
}

#[tokio::test]
async fn an_elevated_invitation_stored_before_inviter_ids_is_checked_by_the_inviters_address() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let carol = User::new("carol");
    app.add_member(&alice, &org, &carol, "admin", false).await;
    let bob = User::new("bob");
    let token = app
        .invite_and_get_token(&carol, &org, &bob, "admin", false)
        .await;
    // As an item written before the inviter's id was kept.
    app.forget_inviter_id(&org, &bob.email).await;

    set_role(&app, &org, &alice, &carol, "member").await;
    let refused = app.accept(&bob, &token).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.code(), "inviter_no_longer_allowed");
    set_role(&app, &org, &alice, &carol, "admin").await;
    let joined = app.accept(&bob, &token).await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    assert_eq!(joined.json["role"], "admin");
}
