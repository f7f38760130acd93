//! Organizations: create, read, update, list mine; outsiders see 404.

use roster::http::routes::{create_org, get_org, list_my_orgs, update_org};
use roster_tests::{Req, TestApp, User, slug};
use serde_json::json;

#[tokio::test]
async fn creating_an_org_makes_the_caller_its_admin() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let s = slug();
    let resp = Req::post("/orgs")
        .user(&alice)
        .json(json!({"slug": s, "name": "Acme Inc", "seat_limit": 10}))
        .send(&app, create_org::handle)
        .await;
    assert_eq!(resp.status, 201, "{}", resp.body);
    assert_eq!(resp.json["slug"], json!(s));
    assert_eq!(resp.json["name"], "Acme Inc");
    assert_eq!(resp.json["seat_limit"], 10);
    assert_eq!(resp.json["seats_used"], 0);
    assert!(resp.json["created_at"].as_str().unwrap().ends_with('Z'));

    let mine = Req::get("/me/orgs")
        .user(&alice)
        .send(&app, list_my_orgs::handle)
        .await;
    assert_eq!(mine.json["items"][0]["role"], "admin");
    assert_eq!(mine.json["items"][0]["seat"], false);
    assert_eq!(mine.json["items"][0]["org"]["name"], "Acme Inc");
}

#[tokio::test]
async fn a_taken_slug_is_409_org_exists() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let s = app.create_org(&alice, 0).await;
    let bob = User::new("bob");
    let resp = Req::post("/orgs")
        .user(&bob)
        .json(json!({"slug": s, "name": "Other"}))
        .send(&app, create_org::handle)
        .await;
    assert_eq!(resp.status, 409);
    assert_eq!(resp.code(), "org_exists");
    // The failed transaction left nothing behind: Bob is in no org.
    let mine = Req::get("/me/orgs")
        .user(&bob)
        .send(&app, list_my_orgs::handle)
        .await;
    assert_eq!(mine.json["items"], json!([]));
}

#[tokio::test]
async fn invalid_org_input_is_400_with_the_field() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    for (body, field) in [
        (json!({"slug": "-bad-", "name": "X"}), "slug"),
        (json!({"slug": "ab", "name": "X"}), "slug"),
        (json!({"slug": slug(), "name": ""}), "name"),
        (
            json!({"slug": slug(), "name": "X", "seat_limit": 100001}),
            "seat_limit",
        ),
        (
            json!({"slug": slug(), "name": "X", "seat_limit": -1}),
            "seat_limit",
        ),
        (json!({"slug": slug(), "name": "X", "extra": 1}), "body"),
        (json!({"slug": slug(), "name": 5}), "body"),
    ] {
        let resp = Req::post("/orgs")
            .user(&alice)
            .json(body.clone())
            .send(&app, create_org::handle)
            .await;
        assert_eq!(resp.status, 400, "{body}: {}", resp.body);
        assert_eq!(resp.code(), "invalid_request");
        assert_eq!(resp.json["errors"][0]["field"], field, "{body}");
    }
    let resp = Req::post("/orgs")
        .user(&alice)
        .raw_body("application/json", b"{not json".to_vec())
        .send(&app, create_org::handle)
        .await;
    assert_eq!(resp.status, 400);
    let resp = Req::post("/orgs")
        .user(&alice)
        .raw_body("text/plain", b"hello".to_vec())
        .send(&app, create_org::handle)
        .await;
    assert_eq!(resp.status, 415);
    assert_eq!(resp.code(), "unsupported_media_type");
}

#[tokio::test]
async fn outsiders_get_404_org_not_found_as_if_it_did_not_exist() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let s = app.create_org(&alice, 3).await;
    let outsider = User::new("eve");
    let existing = Req::get("/orgs/{org}")
        .org(&s)
        .user(&outsider)
        .send(&app, get_org::handle)
        .await;
    let missing = Req::get("/orgs/{org}")
        .org(&slug())
        .user(&outsider)
        .send(&app, get_org::handle)
        .await;
    assert_eq!(existing.status, 404);
    assert_eq!(existing.code(), "org_not_found");
    assert_eq!(existing.body, missing.body);
    let patch = Req::patch("/orgs/{org}")
        .org(&s)
        .user(&outsider)
        .json(json!({"name": "Pwned"}))
        .send(&app, update_org::handle)
        .await;
    assert_eq!(patch.status, 404);
}

#[tokio::test]
async fn admins_rename_and_cannot_drop_the_limit_below_usage() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let s = app.create_org(&alice, 2).await;
    let bob = User::new("bob");
    app.add_member(&alice, &s, &bob, "member", true).await;

    let renamed = Req::patch("/orgs/{org}")
        .org(&s)
        .user(&alice)
        .json(json!({"name": "Renamed", "seat_limit": 5}))
        .send(&app, update_org::handle)
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.json["name"], "Renamed");
    assert_eq!(renamed.json["seat_limit"], 5);
    assert_eq!(renamed.json["seats_used"], 1);

    let too_low = Req::patch("/orgs/{org}")
        .org(&s)
        .user(&alice)
        .json(json!({"seat_limit": 0}))
        .send(&app, update_org::handle)
        .await;
    assert_eq!(too_low.status, 409);
    assert_eq!(too_low.code(), "seat_limit_below_usage");

    let read = Req::get("/orgs/{org}")
        .org(&s)
        .user(&bob)
        .send(&app, get_org::handle)
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json["seat_limit"], 5);
}

#[tokio::test]
async fn members_cannot_change_the_org() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let s = app.create_org(&alice, 2).await;
    let bob = User::new("bob");
    app.add_member(&alice, &s, &bob, "member", false).await;
    let billing = User::new("bill");
    app.add_member(&alice, &s, &billing, "billing_manager", false)
        .await;

    let by_member = Req::patch("/orgs/{org}")
        .org(&s)
        .user(&bob)
        .json(json!({"seat_limit": 9}))
        .send(&app, update_org::handle)
        .await;
    assert_eq!(by_member.status, 403);
    assert_eq!(by_member.code(), "forbidden");

    let billing_limit = Req::patch("/orgs/{org}")
        .org(&s)
        .user(&billing)
        .json(json!({"seat_limit": 9}))
        .send(&app, update_org::handle)
        .await;
    assert_eq!(billing_limit.status, 200, "{}", billing_limit.body);

    let billing_name = Req::patch("/orgs/{org}")
        .org(&s)
        .user(&billing)
        .json(json!({"name": "Mine now"}))
        .send(&app, update_org::handle)
        .await;
    assert_eq!(billing_name.status, 403);
}
