//! Previewing an invitation (the console's accept page): what accepting would
//! give, under the same checks as accepting, without using the link up.

use chrono::Duration;
use roster::http::routes::preview_invitation;
use roster_tests::{Req, Resp, TestApp, User};
use serde_json::json;

async fn preview(app: &TestApp, user: &User, token: &str) -> Resp {
    Req::post("/invitations/preview")
        .user(user)
        .json(json!({"token": token}))
        .send(app, preview_invitation::handle)
        .await
}

#[tokio::test]
async fn previewing_shows_the_offer_in_one_read_and_the_link_still_works() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, token) = app.org_with_invitee(3, "billing_manager", true).await;
    app.calls.reset();
    let resp = preview(&app, &bob, &token).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(app.calls.total(), 1, "{:?}", app.calls.by_operation());
    assert_eq!(resp.json["org"], json!({"slug": org, "name": "Test Org"}));
    assert_eq!(resp.json["email"], json!(bob.email));
    assert_eq!(resp.json["role"], "billing_manager");
    assert_eq!(resp.json["seat"], true);
    assert_eq!(resp.json["invited_by"], json!(alice.email));
    assert!(resp.json["expires_at"].is_string());

    let accepted = app.accept(&bob, &token).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
}

#[tokio::test]
async fn previewing_with_another_email_is_403_email_mismatch() {
    let app = TestApp::spawn().await;
    let (_, _, _, token) = app.org_with_invitee(1, "member", false).await;
    let resp = preview(&app, &User::new("eve"), &token).await;
    assert_eq!(resp.status, 403);
    assert_eq!(resp.code(), "email_mismatch");
    assert!(resp.json.get("org").is_none(), "{}", resp.body);
}

#[tokio::test]
async fn previewing_an_expired_invitation_is_410() {
    let app = TestApp::spawn().await;
    let (_, _, bob, token) = app.org_with_invitee(1, "member", false).await;
    app.clock.advance(Duration::days(8));
    let resp = preview(&app, &bob, &token).await;
    assert_eq!(resp.status, 410);
    assert_eq!(resp.code(), "invitation_expired");
}

#[tokio::test]
async fn previewing_a_used_or_malformed_link_is_404() {
    let app = TestApp::spawn().await;
    let (_, _, bob, token) = app.org_with_invitee(1, "member", false).await;
    assert_eq!(app.accept(&bob, &token).await.status, 200);
    let used = preview(&app, &bob, &token).await;
    // Already a member and the link spent: the link is what is checked first.
    assert_eq!(used.status, 404, "{}", used.body);
    assert_eq!(used.code(), "invitation_not_found");
    let malformed = preview(&app, &bob, "not-a-token").await;
    assert_eq!(malformed.status, 404);
}

#[tokio::test]
async fn previewing_needs_a_signed_in_caller() {
    let app = TestApp::spawn().await;
    let (_, _, _, token) = app.org_with_invitee(1, "member", false).await;
    let resp = Req::post("/invitations/preview")
        .json(json!({"token": token}))
        .send(&app, preview_invitation::handle)
        .await;
    assert_eq!(resp.status, 401);
}
