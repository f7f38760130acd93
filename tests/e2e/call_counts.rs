//! DynamoDB calls per request, counted by an SDK interceptor: one read to
//! authorize plus one write or one query; bulk invites about N/25.

use roster::http::routes::*;
use roster_tests::{Req, TestApp, User};
use serde_json::json;

#[tokio::test]
async fn single_target_requests_cost_at_most_two_calls() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, token) = app.org_with_invitee(5, "member", true).await;

    let measure = |name: &'static str, max: usize| (name, max);
    let mut checks = Vec::new();

    app.calls.reset();
    let r = Req::post("/invitations/accept")
        .user(&bob)
        .json(json!({"token": token}))
        .send(&app, accept_invitation::handle)
        .await;
    assert_eq!(r.status, 200);
    checks.push((measure("accept-invitation", 2), app.calls.total()));

    app.calls.reset();
    let r = Req::post("/orgs")
        .user(&alice)
        .json(json!({"slug": roster_tests::slug(), "name": "X"}))
        .send(&app, create_org::handle)
        .await;
    assert_eq!(r.status, 201);
    checks.push((measure("create-org", 1), app.calls.total()));

    for (name, req, handler_max) in [
        ("get-org", Req::get("/orgs/{org}").org(&org), 1),
        ("list-members", Req::get("/orgs/{org}/members").org(&org), 2),
        (
            "get-member",
            Req::get("/orgs/{org}/members/{user_id}")
                .org(&org)
                .param("user_id", &bob.sub),
            1,
        ),
        (
            "list-invitations",
            Req::get("/orgs/{org}/invitations").org(&org),
            2,
        ),
        ("list-my-orgs", Req::get("/me/orgs"), 2),
        (
            "update-org",
            Req::patch("/orgs/{org}")
                .org(&org)
                .json(json!({"name": "Y"})),
            2,
        ),
        (
            "invite-members (1 email)",
            Req::post("/orgs/{org}/invitations")
                .org(&org)
                .json(json!({"emails": ["one@example.com"]})),
            2,
        ),
    ] {
        app.calls.reset();
        let req = req.user(&alice);
        let resp = match name {
            "get-org" => req.send(&app, get_org::handle).await,
            "list-members" => req.send(&app, list_members::handle).await,
            "get-member" => req.send(&app, get_member::handle).await,
            "list-invitations" => req.send(&app, list_invitations::handle).await,
            "list-my-orgs" => req.send(&app, list_my_orgs::handle).await,
            "update-org" => req.send(&app, update_org::handle).await,
            _ => req.send(&app, invite_members::handle).await,
        };
        assert!(resp.status < 300, "{name}: {}", resp.body);
        checks.push(((name, handler_max), app.calls.total()));
    }
    for ((name, max), used) in &checks {
        assert!(used <= max, "{name} used {used} DynamoDB calls (max {max})");
    }
    assert!(!app.calls.by_operation().contains_key("Scan"));
}

#[tokio::test]
async fn inviting_n_people_costs_about_n_over_25_calls_and_never_scans() {
    let app = TestApp::isolated().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let emails: Vec<String> = (0..1000)
        .map(|i| format!("p{i}-{org}@example.com"))
        .collect();
    app.calls.reset();
    let resp = Req::post("/orgs/{org}/invitations")
        .org(&org)
        .user(&alice)
        .json(json!({"emails": emails}))
        .send(&app, invite_members::handle)
        .await;
    assert_eq!(
        resp.status,
        200,
        "{}",
        &resp.body[..200.min(resp.body.len())]
    );
    assert_eq!(resp.json["summary"]["invited"], 1000);
    let calls = app.calls.by_operation();
    let total = app.calls.total();
    assert_eq!(
        total,
        // The first read also holds the org, the caller and the two limit
        // counters; the first write holds 48 invitations and the counters.
        1002usize.div_ceil(50) + 1 + (1000usize - 48).div_ceil(49),
        "{calls:?}"
    );
    assert!(!calls.contains_key("Scan"));
}
