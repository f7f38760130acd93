//! `Idempotency-Key` on POSTs: a retry replays the first answer
//! without acting again, another request under the same key is refused,
//! concurrent requests with one key act once, keys are per caller and last
//! 24 hours, and a keyed POST costs two more DynamoDB calls (writes).

use chrono::Duration;
use roster::http::idempotency;
use roster::http::routes::{create_org, invite_members, issue_token, list_tokens};
use roster_tests::mail::queued_outbox_items;
use roster_tests::{Req, Resp, TestApp, User};
use serde_json::json;

/// Sends `req` the way every deployed function runs it: through the idempotency guard.
async fn send<F, Fut>(app: &TestApp, req: Req, handler: F) -> Resp
where
    F: FnOnce(std::sync::Arc<roster::App>, lambda_http::Request) -> Fut,
    Fut: std::future::Future<Output = lambda_http::Response<lambda_http::Body>>,
{
    Resp::from(idempotency::guard(app.app.clone(), req.build(), handler).await)
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An org whose invited member accepted with a seat: the org and the member.
async fn seated_member(app: &TestApp) -> (String, User) {
    let (org, _alice, bob, token) = app.org_with_invitee(5, "member", true).await;
    assert_eq!(app.accept(&bob, &token).await.status, 200);
    (org, bob)
}

/// `bob` issues himself a token "ci" under the Idempotency-Key `key`.
fn keyed_issue(org: &str, bob: &User, key: &str) -> Req {
    Req::post("/orgs/{org}/tokens")
        .org(org)
        .user(bob)
        .header("Idempotency-Key", key)
        .json(json!({"name": "ci"}))
}

fn replayed(resp: &Resp) -> bool {
    resp.headers
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true")
}

#[tokio::test]
async fn a_retried_invite_replays_the_first_answer_and_queues_one_mail() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 5).await;
    let bob = User::new("bob");
    let k = key();
    let invite = || {
        Req::post("/orgs/{org}/invitations")
            .org(&org)
            .user(&alice)
            .header("Idempotency-Key", &k)
            .json(json!({"emails": [bob.email]}))
    };
    let first = send(&app, invite(), invite_members::handle).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json["results"][0]["outcome"], "invited");
    assert!(!replayed(&first));
    let again = send(&app, invite(), invite_members::handle).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(
        again.json, first.json,
        "the first answer, not already_invited"
    );
    assert!(replayed(&again));
    assert_eq!(again.content_type, "application/json");
    assert_eq!(
        queued_outbox_items(&app, &org).await.len(),
        1,
        "one mail queued"
    );
}

#[tokio::test]
async fn a_retried_create_org_replays_201_instead_of_org_exists() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let slug = roster_tests::slug();
    let k = key();
    let create = || {
        Req::post("/orgs")
            .user(&alice)
            .header("Idempotency-Key", &k)
            .json(json!({"slug": slug, "name": "Acme"}))
    };
    let first = send(&app, create(), create_org::handle).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = send(&app, create(), create_org::handle).await;
    assert_eq!((again.status, &again.json), (201, &first.json));
    assert!(replayed(&again));

    // After 24 hours the key is forgotten: the same request acts again.
    app.clock
        .advance(Duration::hours(24) + Duration::seconds(1));
    let later = send(&app, create(), create_org::handle).await;
    assert_eq!(later.status, 409, "{}", later.body);
    assert_eq!(later.code(), "org_exists");
}

#[tokio::test]
async fn the_same_key_with_another_body_is_422_and_acts_not() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let k = key();
    let create = |slug: &str| {
        Req::post("/orgs")
            .user(&alice)
            .header("Idempotency-Key", &k)
            .json(json!({"slug": slug, "name": "Acme"}))
    };
    let first = send(&app, create(&roster_tests::slug()), create_org::handle).await;
    assert_eq!(first.status, 201);
    let other = roster_tests::slug();
    let reused = send(&app, create(&other), create_org::handle).await;
    assert_eq!(reused.status, 422, "{}", reused.body);
    assert_eq!(reused.code(), "idempotency_key_reused");
    assert_eq!(reused.content_type, "application/problem+json");
    // the other org was not created: without the key, its slug is free
    let free = send(
        &app,
        Req::post("/orgs")
            .user(&alice)
            .json(json!({"slug": other, "name": "Acme"})),
        create_org::handle,
    )
    .await;
    assert_eq!(free.status, 201, "{}", free.body);
}

#[tokio::test]
async fn keys_belong_to_their_caller() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (User::new("alice"), User::new("bob"));
    let k = key();
    let create = |who: &User| {
        Req::post("/orgs")
            .user(who)
            .header("Idempotency-Key", &k)
            .json(json!({"slug": roster_tests::slug(), "name": "Acme"}))
    };
    assert_eq!(
        send(&app, create(&alice), create_org::handle).await.status,
        201
    );
    let bobs = send(&app, create(&bob), create_org::handle).await;
    assert_eq!(bobs.status, 201, "bob's request is his own: {}", bobs.body);
    assert!(!replayed(&bobs));
}

#[tokio::test]
async fn concurrent_requests_with_one_key_issue_one_token() {
    let app = TestApp::spawn().await;
    let (org, bob) = seated_member(&app).await;
    let k = key();
    let issue = || keyed_issue(&org, &bob, &k);
    let answers =
        futures::future::join_all((0..4).map(|_| send(&app, issue(), issue_token::handle))).await;
    let issued: Vec<&Resp> = answers.iter().filter(|r| r.status == 201).collect();
    assert_eq!(issued.len(), 1, "one answer shows the secret: {answers:?}");
    for r in &answers {
        match (r.status, r.code()) {
            (201, _) => assert!(r.json["token"].as_str().unwrap().starts_with("rst_")),
            (409, "idempotency_request_in_progress") => {
                assert!(r.headers.get("retry-after").is_some());
            }
            (409, "idempotency_secret_not_kept") => {
                assert_eq!(r.json["token_id"], issued[0].json["id"], "{}", r.body);
            }
            other => panic!("unexpected {other:?}: {}", r.body),
        }
    }
    let list = Req::get("/orgs/{org}/tokens")
        .org(&org)
        .user(&bob)
        .send(&app, list_tokens::handle)
        .await;
    assert_eq!(
        list.json["items"].as_array().unwrap().len(),
        1,
        "{}",
        list.body
    );
}

#[tokio::test]
async fn a_retried_token_issue_cannot_read_the_secret_back_from_the_table_or_the_replay() {
    let app = TestApp::isolated().await;
    let (org, bob) = seated_member(&app).await;
    let k = key();
    let issue = || keyed_issue(&org, &bob, &k);
    let first = send(&app, issue(), issue_token::handle).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let secret = first.json["token"].as_str().unwrap().to_owned();
    let stored = app.table_dump().await;
    assert!(stored.contains("IDEM#"), "the key's record is in the scan");
    assert!(
        !stored.contains(&secret) && !stored.contains(&secret[4..]),
        "the token's secret rests in the table"
    );
    let again = send(&app, issue(), issue_token::handle).await;
    assert!(replayed(&again));
    assert_eq!(again.status, 409, "{}", again.body);
    assert_eq!(again.code(), "idempotency_secret_not_kept");
    assert_eq!(again.json["token_id"], first.json["id"]);
    assert!(!again.body.contains("rst_"), "{}", again.body);
}

#[tokio::test]
async fn a_key_that_is_not_1_to_255_visible_ascii_characters_is_400() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    for bad in ["", &"k".repeat(256), "two words"] {
        let resp = send(
            &app,
            Req::post("/orgs")
                .user(&alice)
                .header("Idempotency-Key", bad)
                .json(json!({"slug": roster_tests::slug(), "name": "Acme"})),
            create_org::handle,
        )
        .await;
        assert_eq!(resp.status, 400, "{bad:?}: {}", resp.body);
        assert_eq!(resp.code(), "invalid_request");
    }
}

#[tokio::test]
async fn a_keyed_post_costs_two_more_writes_and_its_replay_one_call() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let create = |slug: &str, k: Option<&str>| {
        let req = Req::post("/orgs")
            .user(&alice)
            .json(json!({"slug": slug, "name": "Acme"}));
        match k {
            Some(k) => req.header("Idempotency-Key", k),
            None => req,
        }
    };
    app.calls.reset();
    let plain = send(
        &app,
        create(&roster_tests::slug(), None),
        create_org::handle,
    )
    .await;
    assert_eq!(plain.status, 201);
    let plain = app.calls.by_operation();

    let (slug, k) = (roster_tests::slug(), key());
    app.calls.reset();
    let first = send(&app, create(&slug, Some(&k)), create_org::handle).await;
    assert_eq!(first.status, 201);
    let mut expected = plain.clone();
    *expected.entry("PutItem".into()).or_default() += 1; // claim the key
    *expected.entry("UpdateItem".into()).or_default() += 1; // keep the answer
    assert_eq!(app.calls.by_operation(), expected, "plain: {plain:?}");

    app.calls.reset();
    let again = send(&app, create(&slug, Some(&k)), create_org::handle).await;
    assert!(replayed(&again));
    assert_eq!(
        app.calls.total(),
        1,
        "the failed claim returns the record: {:?}",
        app.calls.by_operation()
    );
}
