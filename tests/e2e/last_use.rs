//! Which seats are used: introspection records a token's and its seat's last
//! use at most once an hour per token (the hot path stays at two reads), the
//! member listing shows it, and `idle_days` finds the seats nobody used.

use chrono::Duration;
use roster::http::routes::{
    assign_seat, get_org, introspect_token, issue_token, list_members, list_tokens, revoke_seat,
    update_org,
};
use roster_tests::{Req, Resp, TestApp, User};
use serde_json::json;

async fn token_of(app: &TestApp, org: &str, who: &User) -> String {
    let resp = Req::post("/orgs/{org}/tokens")
        .org(org)
        .user(who)
        .json(json!({"name": "ci"}))
        .send(app, issue_token::handle)
        .await;
    assert_eq!(resp.status, 201, "{}", resp.body);
    resp.json["token"].as_str().unwrap().to_owned()
}

async fn introspect(app: &TestApp, token: &str) -> bool {
    let resp = Req::post("/tokens/introspect")
        .json(json!({"token": token}))
        .send(app, introspect_token::handle)
        .await;
    resp.json["active"] == json!(true)
}

async fn members(app: &TestApp, org: &str, admin: &User, idle_days: Option<&str>) -> Resp {
    let mut req = Req::get("/orgs/{org}/members").org(org).user(admin);
    if let Some(days) = idle_days {
        req = req.query("idle_days", days);
    }
    req.send(app, list_members::handle).await
}

fn emails(resp: &Resp) -> Vec<String> {
    let mut found: Vec<String> = resp.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap().to_owned())
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn a_thousand_introspections_within_an_hour_write_last_use_once() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 3).await;
    let bob = User::new("bob");
    app.add_member(&admin, &org, &bob, "member", true).await;
    let token = token_of(&app, &org, &bob).await;

    app.calls.reset();
    for _ in 0..1_000 {
        assert!(introspect(&app, &token).await);
    }
    let calls = app.calls.by_operation();
    assert_eq!(calls.get("TransactWriteItems"), Some(&1), "{calls:?}");
    assert_eq!(
        calls.get("GetItem"),
        Some(&2_000),
        "two reads each: {calls:?}"
    );
    assert_eq!(app.calls.total(), 2_001);

    // The listings show it: on the token, and on the seat.
    let listed = Req::get("/orgs/{org}/tokens")
        .org(&org)
        .user(&bob)
        .send(&app, list_tokens::handle)
        .await;
    assert_ne!(
        listed.json["items"][0]["last_used_at"],
        json!(null),
        "{}",
        listed.body
    );
    let all = members(&app, &org, &admin, None).await;
    let bob_row = all.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == json!(bob.email))
        .unwrap()
        .clone();
    assert_ne!(bob_row["seat"]["last_used_at"], json!(null), "{bob_row}");

    // An hour on, the next use is written again.
    app.clock.advance(Duration::minutes(60));
    app.calls.reset();
    assert!(introspect(&app, &token).await);
    assert!(introspect(&app, &token).await);
    assert_eq!(app.calls.by_operation().get("TransactWriteItems"), Some(&1));
}

#[tokio::test]
async fn idle_days_finds_the_seats_nobody_used_and_a_new_seat_starts_unused() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 5).await;
    let (bob, carol, dave) = (User::new("bob"), User::new("carol"), User::new("dave"));
    app.add_member(&admin, &org, &bob, "member", true).await;
    app.add_member(&admin, &org, &carol, "member", true).await;
    app.add_member(&admin, &org, &dave, "member", false).await;
    let token = token_of(&app, &org, &bob).await;
    assert!(introspect(&app, &token).await);

    // Ten days on: both seats are idle for a week (bob's last use is ten days old).
    app.clock.advance(Duration::days(10));
    let idle = members(&app, &org, &admin, Some("7")).await;
    assert_eq!(idle.status, 200, "{}", idle.body);
    let mut both = vec![bob.email.clone(), carol.email.clone()];
    both.sort();
    assert_eq!(emails(&idle), both, "dave has no seat: never idle");
    assert_eq!(
        emails(&members(&app, &org, &admin, Some("30")).await),
        Vec::<String>::new()
    );

    // Bob uses his seat: only carol's is idle.
    assert!(introspect(&app, &token).await);
    assert_eq!(
        emails(&members(&app, &org, &admin, Some("7")).await),
        vec![carol.email.clone()]
    );

    // Revoked and assigned again, carol's seat starts afresh: unused, but not idle yet.
    let seat = |req: Req| req.org(&org).param("user_id", &carol.sub).user(&admin);
    let revoked = seat(Req::delete("/orgs/{org}/members/{user_id}/seat"))
        .send(&app, revoke_seat::handle)
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    let assigned = seat(Req::put("/orgs/{org}/members/{user_id}/seat"))
        .send(&app, assign_seat::handle)
        .await;
    assert_eq!(assigned.status, 200, "{}", assigned.body);
    assert_eq!(assigned.json["seat"]["last_used_at"], json!(null));
    assert_eq!(
        emails(&members(&app, &org, &admin, Some("7")).await),
        Vec::<String>::new()
    );

    for bad in ["0", "366", "a week"] {
        let resp = members(&app, &org, &admin, Some(bad)).await;
        assert_eq!(
            (resp.status, resp.code()),
            (400, "invalid_request"),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn each_org_sets_after_how_many_days_a_seat_is_idle() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 2).await;
    let read = |who: User| {
        let (app, org) = (&app, org.clone());
        async move {
            Req::get("/orgs/{org}")
                .org(&org)
                .user(&who)
                .send(app, get_org::handle)
                .await
        }
    };
    assert_eq!(
        read(admin.clone()).await.json["idle_seat_days"],
        30,
        "the default"
    );
    let set = |days: serde_json::Value| {
        Req::patch("/orgs/{org}")
            .org(&org)
            .user(&admin)
            .json(json!({"idle_seat_days": days}))
    };
    let changed = set(json!(45)).send(&app, update_org::handle).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.json["idle_seat_days"], 45);
    assert_eq!(read(admin.clone()).await.json["idle_seat_days"], 45);
    for bad in [json!(0), json!(366), json!("30")] {
        let refused = set(bad.clone()).send(&app, update_org::handle).await;
        assert_eq!(refused.status, 400, "{bad}: {}", refused.body);
    }
}
