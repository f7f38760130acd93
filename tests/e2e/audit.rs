//! The audit log: every change, newest first, admins only, no secrets.

use roster::http::routes::{accept_invitation, issue_token, list_audit_events};
use roster_tests::{Req, TestApp, User};
use serde_json::json;

#[tokio::test]
async fn every_change_is_logged_newest_first_without_secrets() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 2).await;
    let bob = User::new("bob");
    let tick = || app.clock.advance(chrono::Duration::seconds(1));
    tick();
    let invite = app
        .invite_and_get_token(&admin, &org, &bob, "member", true)
        .await;
    tick();
    let accepted = Req::post("/invitations/accept")
        .user(&bob)
        .json(json!({"token": invite}))
        .send(&app, accept_invitation::handle)
        .await;
    assert_eq!(accepted.status, 200);
    tick();
    let token = Req::post("/orgs/{org}/tokens")
        .org(&org)
        .user(&bob)
        .json(json!({"name": "laptop"}))
        .send(&app, issue_token::handle)
        .await
        .json["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut actions = Vec::new();
    let mut bodies = String::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut req = Req::get("/orgs/{org}/audit")
            .org(&org)
            .user(&admin)
            .query("limit", "2");
        if let Some(c) = &cursor {
            req = req.query("cursor", c);
        }
        let page = req.send(&app, list_audit_events::handle).await;
        assert_eq!(page.status, 200, "{}", page.body);
        bodies.push_str(&page.body);
        actions.extend(
            page.json["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["action"].as_str().unwrap().to_owned()),
        );
        match page.json["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        actions,
        [
            "token.issued",
            "invitation.accepted",
            "invitation.created",
            "org.created"
        ]
    );
    assert!(!bodies.contains(&token[4..]));
    let invite_link_secret = roster_tests::mail::latest_invite_token(&bob.email)
        .await
        .unwrap();
    assert!(!bodies.contains(invite_link_secret.rsplit('.').next().unwrap()));
}

#[tokio::test]
async fn entries_name_the_actor_by_user_id_with_their_email_as_a_snapshot() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 2).await;
    let bob = User::new("bob");
    app.add_member(&admin, &org, &bob, "member", true).await;
    let page = Req::get("/orgs/{org}/audit")
        .org(&org)
        .user(&admin)
        .send(&app, list_audit_events::handle)
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let items = page.json["items"].as_array().unwrap();
    let by = |action: &str| {
        items
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} in {}", page.body))
    };
    for (action, who) in [
        ("org.created", &admin),
        ("invitation.created", &admin),
        ("invitation.accepted", &bob),
    ] {
        let entry = by(action);
        assert_eq!(entry["actor_id"], who.sub.as_str(), "{entry}");
        assert_eq!(entry["actor"], who.email.as_str(), "{entry}");
    }
}

#[tokio::test]
async fn a_caller_cannot_sign_the_audit_log_with_an_email_claim_of_their_choosing() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 2).await;
    // The same person (`sub`) with another, unverified email in the token.
    let forged = roster_tests::jwt(&json!({
        "sub": admin.sub, "email": "ceo@victim.example", "email_verified": false,
        "exp": chrono::Utc::now().timestamp() + 3600,
    }));
    let renamed = Req::patch("/orgs/{org}")
        .org(&org)
        .user(&admin)
        .bearer(&forged)
        .json(json!({"name": "Renamed"}))
        .send(&app, roster::http::routes::update_org::handle)
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    let page = Req::get("/orgs/{org}/audit")
        .org(&org)
        .user(&admin)
        .send(&app, list_audit_events::handle)
        .await;
    let entry = page.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "org.updated")
        .unwrap_or_else(|| panic!("no org.updated in {}", page.body))
        .clone();
    assert_eq!(entry["actor_id"], admin.sub.as_str(), "{entry}");
    assert_eq!(
        entry["actor"],
        admin.email.as_str(),
        "the membership's email, not the claim: {entry}"
    );
    assert!(!page.body.contains("victim.example"), "{}", page.body);
}
