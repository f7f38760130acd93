//! Access tokens: shown once, stored hashed, and dead the moment the seat or
//! the membership behind them goes.

use chrono::Duration;
use roster::http::routes::{
    assign_seat, introspect_token, issue_token, list_tokens, remove_member, revoke_seat,
    revoke_token,
};
use roster_tests::{Req, Resp, TestApp, User};
use serde_json::json;

async fn issue(app: &TestApp, org: &str, who: &User, body: serde_json::Value) -> Resp {
    Req::post("/orgs/{org}/tokens")
        .org(org)
        .user(who)
        .json(body)
        .send(app, issue_token::handle)
        .await
}

async fn introspect(app: &TestApp, token: &str, channel: Option<&str>) -> serde_json::Value {
    let mut body = json!({"token": token});
    if let Some(c) = channel {
        body["channel"] = json!(c);
    }
    let resp = Req::post("/tokens/introspect")
        .json(body)
        .send(app, introspect_token::handle)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    resp.json
}

async fn seated_member(app: &TestApp) -> (String, User, User) {
    let admin = User::new("admin");
    let org = app.create_org(&admin, 3).await;
    let bob = User::new("bob");
    app.add_member(&admin, &org, &bob, "member", true).await;
    (org, admin, bob)
}

#[tokio::test]
async fn a_token_is_shown_once_and_introspects_active() {
    let app = TestApp::spawn().await;
    let (org, _, bob) = seated_member(&app).await;
    let resp = issue(
        &app,
        &org,
        &bob,
        json!({"name": "laptop", "channels": ["main", "beta"], "expires_in_days": 30}),
    )
    .await;
    assert_eq!(resp.status, 201, "{}", resp.body);
    let token = resp.json["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("rst_") && token.len() >= 4 + 22);
    let info = introspect(&app, &token, Some("main")).await;
    assert_eq!(info["active"], true);
    assert_eq!(info["org"], json!(org));
    assert_eq!(info["user_id"], json!(bob.sub));
    assert_eq!(info["channels"], json!(["beta", "main"]));
    assert_eq!(
        introspect(&app, &token, Some("nightly")).await,
        json!({"active": false})
    );
    assert_eq!(
        introspect(&app, "rst_nope", None).await,
        json!({"active": false})
    );

    let list = Req::get("/orgs/{org}/tokens")
        .org(&org)
        .user(&bob)
        .send(&app, list_tokens::handle)
        .await;
    assert_eq!(list.json["items"][0]["name"], "laptop");
    assert!(
        !list.body.contains(&token[4..]),
        "listing never shows the secret"
    );
    assert!(list.json["items"][0].get("token").is_none());
}

#[tokio::test]
async fn defaults_and_bad_input() {
    let app = TestApp::spawn().await;
    let (org, _, bob) = seated_member(&app).await;
    let resp = issue(&app, &org, &bob, json!({"name": "ci"})).await;
    assert_eq!(resp.json["channels"], json!(["*"]));
    let created =
        chrono::DateTime::parse_from_rfc3339(resp.json["created_at"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(resp.json["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires - created, Duration::days(90));
    for body in [
        json!({"name": "x", "expires_in_days": 0}),
        json!({"name": "x", "expires_in_days": 366}),
        json!({"name": ""}),
        json!({"name": "x", "channels": []}),
        json!({"name": "x", "channels": ["Not A Channel"]}),
    ] {
        assert_eq!(
            issue(&app, &org, &bob, body.clone()).await.status,
            400,
            "{body}"
        );
    }
}

#[tokio::test]
async fn revoking_the_seat_kills_every_token_and_a_new_seat_does_not_revive_them() {
    let app = TestApp::spawn().await;
    let (org, admin, bob) = seated_member(&app).await;
    let mut tokens = Vec::new();
    for i in 0..5 {
        let r = issue(&app, &org, &bob, json!({"name": format!("t{i}")})).await;
        tokens.push(r.json["token"].as_str().unwrap().to_owned());
    }
    let seat = || {
        Req::put("/orgs/{org}/members/{user_id}/seat")
            .org(&org)
            .param("user_id", &bob.sub)
            .user(&admin)
    };
    app.calls.reset();
    let revoked = Req::delete("/orgs/{org}/members/{user_id}/seat")
        .org(&org)
        .param("user_id", &bob.sub)
        .user(&admin)
        .send(&app, revoke_seat::handle)
        .await;
    assert_eq!(revoked.status, 204);
    assert!(
        app.calls.total() <= 2,
        "revoking a seat is constant work however many tokens"
    );
    for t in &tokens {
        assert_eq!(introspect(&app, t, None).await["active"], false);
    }
    let no_seat = issue(&app, &org, &bob, json!({"name": "again"})).await;
    assert_eq!(no_seat.status, 403);
    assert_eq!(no_seat.code(), "seat_required");
    assert_eq!(seat().send(&app, assign_seat::handle).await.status, 200);
    for t in &tokens {
        assert_eq!(
            introspect(&app, t, None).await["active"],
            false,
            "old tokens stay dead"
        );
    }
    let fresh = issue(&app, &org, &bob, json!({"name": "fresh"})).await;
    assert_eq!(
        introspect(&app, fresh.json["token"].as_str().unwrap(), None).await["active"],
        true
    );
}

#[tokio::test]
async fn removal_expiry_and_revocation_each_kill_a_token() {
    let app = TestApp::spawn().await;
    let (org, admin, bob) = seated_member(&app).await;
    let t1 = issue(&app, &org, &bob, json!({"name": "a"})).await;
    let t2 = issue(&app, &org, &bob, json!({"name": "b", "expires_in_days": 1})).await;
    let t3 = issue(&app, &org, &bob, json!({"name": "c"})).await;
    let secret = |r: &Resp| r.json["token"].as_str().unwrap().to_owned();

    let revoked = Req::delete("/orgs/{org}/tokens/{id}")
        .org(&org)
        .param("id", t3.json["id"].as_str().unwrap())
        .user(&bob)
        .send(&app, revoke_token::handle)
        .await;
    assert_eq!(revoked.status, 204);
    assert_eq!(introspect(&app, &secret(&t3), None).await["active"], false);
    assert_eq!(introspect(&app, &secret(&t1), None).await["active"], true);

    app.clock.advance(Duration::days(1));
    assert_eq!(
        introspect(&app, &secret(&t2), None).await["active"],
        false,
        "expired in code, not by TTL"
    );

    let removed = Req::delete("/orgs/{org}/members/{user_id}")
        .org(&org)
        .param("user_id", &bob.sub)
        .user(&admin)
        .send(&app, remove_member::handle)
        .await;
    assert_eq!(removed.status, 204);
    assert_eq!(introspect(&app, &secret(&t1), None).await["active"], false);
    // Rejoining with a seat does not revive them either.
    app.clock.advance(Duration::seconds(1));
    app.add_member(&admin, &org, &bob, "member", true).await;
    assert_eq!(introspect(&app, &secret(&t1), None).await["active"], false);
}

#[tokio::test]
async fn admins_issue_tokens_for_seated_members_only() {
    let app = TestApp::spawn().await;
    let (org, admin, bob) = seated_member(&app).await;
    let carol = User::new("carol");
    app.add_member(&admin, &org, &carol, "member", false).await;
    let for_member = |who: &User| {
        Req::post("/orgs/{org}/members/{user_id}/tokens")
            .org(&org)
            .param("user_id", &who.sub)
            .user(&admin)
            .json(json!({"name": "onboarding"}))
    };
    let ok = for_member(&bob).send(&app, issue_token::handle).await;
    assert_eq!(ok.status, 201);
    assert_eq!(ok.json["user_id"], json!(bob.sub));
    assert_eq!(
        for_member(&carol)
            .send(&app, issue_token::handle)
            .await
            .code(),
        "seat_required"
    );
    let list = Req::get("/orgs/{org}/tokens")
        .org(&org)
        .user(&admin)
        .query("user_id", &bob.sub)
        .send(&app, list_tokens::handle)
        .await;
    assert_eq!(list.json["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn secrets_are_stored_only_as_hashes() {
    let app = TestApp::isolated().await;
    let (org, _, bob) = seated_member(&app).await;
    let token = issue(&app, &org, &bob, json!({"name": "laptop"}))
        .await
        .json["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let invite = roster_tests::mail::latest_invite_token(&bob.email)
        .await
        .unwrap();
    let invite_secret = invite.rsplit('.').next().unwrap().to_owned();
    let text = app.table_dump().await;
    assert!(
        !text.contains(&token) && !text.contains(&token[4..]),
        "token plaintext stored"
    );
    assert!(!text.contains(&invite_secret), "invitation secret stored");
}

#[tokio::test]
async fn token_routes_cost_at_most_two_calls_and_introspection_two_reads_and_an_hourly_write() {
    let app = TestApp::spawn().await;
    let (org, _, bob) = seated_member(&app).await;
    app.calls.reset();
    let issued = issue(&app, &org, &bob, json!({"name": "a"})).await;
    assert!(app.calls.total() <= 2);
    // The first check records the token's use (one write an hour per token);
    // the next ones within the hour only read.
    app.calls.reset();
    introspect(&app, issued.json["token"].as_str().unwrap(), Some("main")).await;
    let first = app.calls.by_operation();
    assert_eq!(first.get("GetItem"), Some(&2), "{first:?}");
    assert_eq!(first.get("TransactWriteItems"), Some(&1), "{first:?}");
    app.calls.reset();
    introspect(&app, issued.json["token"].as_str().unwrap(), Some("main")).await;
    let calls = app.calls.by_operation();
    assert!(
        app.calls.total() <= 2 && calls.keys().all(|op| op == "GetItem"),
        "{calls:?}"
    );
    app.calls.reset();
    Req::get("/orgs/{org}/tokens")
        .org(&org)
        .user(&bob)
        .send(&app, list_tokens::handle)
        .await;
    assert!(app.calls.total() <= 2);
    app.calls.reset();
    Req::delete("/orgs/{org}/tokens/{id}")
        .org(&org)
        .param("id", issued.json["id"].as_str().unwrap())
        .user(&bob)
        .send(&app, revoke_token::handle)
        .await;
    assert!(app.calls.total() <= 2);
}

#[tokio::test]
async fn a_listing_never_shows_a_dead_token_as_a_live_one() {
    let app = TestApp::spawn().await;
    let (org, admin, bob) = seated_member(&app).await;
    let listing = |who: &User| {
        Req::get("/orgs/{org}/tokens")
            .org(&org)
            .user(who)
            .query("user_id", &bob.sub)
    };
    // name -> (active, inactive_reason), as `who` sees bob's tokens.
    let states = |resp: Resp| -> std::collections::BTreeMap<String, (bool, serde_json::Value)> {
        assert_eq!(resp.status, 200, "{}", resp.body);
        resp.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let active = t["active"].as_bool().expect("every token says");
                (
                    t["name"].as_str().unwrap().to_owned(),
                    (active, t["inactive_reason"].clone()),
                )
            })
            .collect()
    };
    let live = (true, serde_json::Value::Null);
    let dead = |why: &str| (false, json!(why));

    assert_eq!(
        issue(&app, &org, &bob, json!({"name": "old"})).await.status,
        201
    );
    let short = issue(
        &app,
        &org,
        &bob,
        json!({"name": "short", "expires_in_days": 1}),
    )
    .await;
    let short_secret = short.json["token"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::days(1));
    let now = states(listing(&bob).send(&app, list_tokens::handle).await);
    assert_eq!(now["old"], live);
    assert_eq!(now["short"], dead("expired"));
    assert_eq!(introspect(&app, &short_secret, None).await["active"], false);

    // Seat revoked, then assigned again: the old seat's tokens stay dead.
    let seat = |method: http::Method| {
        Req::new(method, "/orgs/{org}/members/{user_id}/seat")
            .org(&org)
            .param("user_id", &bob.sub)
            .user(&admin)
    };
    assert_eq!(
        seat(http::Method::DELETE)
            .send(&app, revoke_seat::handle)
            .await
            .status,
        204
    );
    assert_eq!(
        seat(http::Method::PUT)
            .send(&app, assign_seat::handle)
            .await
            .status,
        200
    );
    assert_eq!(
        issue(&app, &org, &bob, json!({"name": "reseated"}))
            .await
            .status,
        201
    );
    app.calls.reset();
    let now = states(listing(&admin).send(&app, list_tokens::handle).await);
    assert_eq!(
        app.calls.total(),
        2,
        "one read (the holder with the caller), one query"
    );
    assert_eq!(now["old"], dead("seat_revoked"));
    assert_eq!(
        now["short"],
        dead("seat_revoked"),
        "the seat is named before the clock"
    );
    assert_eq!(now["reseated"], live);

    // Removed: an admin still sees the tokens, all dead.
    let removed = Req::delete("/orgs/{org}/members/{user_id}")
        .org(&org)
        .param("user_id", &bob.sub)
        .user(&admin)
        .send(&app, remove_member::handle)
        .await;
    assert_eq!(removed.status, 204);
    let now = states(listing(&admin).send(&app, list_tokens::handle).await);
    assert!(
        now.values().all(|s| *s == dead("member_removed")),
        "{now:?}"
    );

    // Joined again, with a seat: the earlier membership's tokens stay dead.
    app.clock.advance(Duration::seconds(1));
    app.add_member(&admin, &org, &bob, "member", true).await;
    assert_eq!(
        issue(&app, &org, &bob, json!({"name": "rejoined"}))
            .await
            .status,
        201
    );
    let now = states(listing(&bob).send(&app, list_tokens::handle).await);
    assert_eq!(now["reseated"], dead("member_removed"));
    assert_eq!(now["old"], dead("member_removed"));
    assert_eq!(now["rejoined"], live);
}
