//! Faults: SES refusing and then recovering during a bulk invite
//! loses and duplicates no mail; DynamoDB unreachable during a request is a
//! `503` problem+json with `Retry-After` and leaves nothing half-written.

use chrono::Duration;
use roster::http::routes::{create_org, get_org, invite_members, list_invitations};
use roster::ops::sweep::sweep;
use roster::store::Store;
use roster_tests::mail::{deliver_queued, sent_to};
use roster_tests::{Req, Resp, TestApp, User};
use serde_json::json;
use std::sync::Arc;

/// The same app, sending from an address SES has not verified: every send is refused.
async fn with_refusing_ses(app: &TestApp) -> TestApp {
    let mut broken = TestApp::spawn_with_sender("unverified@nowhere.test").await;
    let mut inner = (*broken.app).clone();
    inner.store = app.app.store.clone();
    inner.config.table = app.app.config.table.clone();
    inner.clock = app.app.clock.clone();
    broken.app = Arc::new(inner);
    broken
}

/// The same app, with DynamoDB at an address where nothing listens.
async fn with_dynamodb_unreachable(app: &TestApp) -> TestApp {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // bound, then released: nothing listens there
    let sdk = roster_tests::sdk_config();
    let client = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk)
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .build(),
    );
    let mut down = TestApp::spawn().await;
    let mut inner = (*app.app).clone();
    inner.store = Store::new(client, app.app.config.table.clone());
    down.app = Arc::new(inner);
    down
}

fn assert_unavailable(resp: &Resp) {
    assert_eq!(resp.status, 503, "{}", resp.body);
    assert_eq!(resp.content_type, "application/problem+json");
    assert_eq!(resp.code(), "unavailable");
    assert!(resp.headers.get("retry-after").is_some(), "Retry-After");
    assert!(
        !resp.body.to_lowercase().contains("dispatch"),
        "no internals: {}",
        resp.body
    );
}

#[tokio::test]
async fn ses_refusing_then_recovering_during_a_200_person_invite_mails_each_exactly_once() {
    let app = TestApp::isolated().await;
    let refusing = with_refusing_ses(&app).await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let people: Vec<User> = (0..200).map(|i| User::new(&format!("p{i}"))).collect();
    let emails: Vec<&str> = people.iter().map(|p| p.email.as_str()).collect();
    let resp = app.invite(&alice, &org, &emails, "member", false).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(resp.json["summary"]["invited"], 200);

    // The stream delivers every outbox record while SES refuses: each is
    // rescheduled, none is sent.
    assert_eq!(deliver_queued(&refusing, &org).await, 200);
    for p in people.iter().take(5) {
        assert!(
            sent_to(&p.email).await.is_empty(),
            "nothing sent while refusing"
        );
    }

    // SES recovered: the sweep sends each due retry once, however often it runs.
    app.clock.advance(Duration::minutes(2));
    let mut sent = 0;
    for _ in 0..10 {
        let report = sweep(&app.app).await.unwrap();
        sent += report.mail_sent;
        if report.mail_sent == 0 {
            break;
        }
    }
    assert_eq!(sent, 200);
    app.clock.advance(Duration::hours(1));
    assert_eq!(sweep(&app.app).await.unwrap().mail_sent, 0);
    for p in &people {
        assert_eq!(sent_to(&p.email).await.len(), 1, "{}", p.email);
    }
    let list = Req::get("/orgs/{org}/invitations")
        .org(&org)
        .user(&alice)
        .query("limit", "200")
        .send(&app, list_invitations::handle)
        .await;
    let items = list.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 200);
    assert!(
        items.iter().all(|i| i["email_status"] == "sent"),
        "{}",
        list.body
    );
}

#[tokio::test]
async fn dynamodb_unreachable_is_503_with_retry_after_and_leaves_no_partial_state() {
    let app = TestApp::spawn().await;
    let down = with_dynamodb_unreachable(&app).await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 5).await;

    // A read (a cold get-org) and writes, while DynamoDB cannot be reached.
    let read = Req::get("/orgs/{org}")
        .org(&org)
        .user(&alice)
        .send(&down, get_org::handle)
        .await;
    assert_unavailable(&read);
    let slug = roster_tests::slug();
    let create = Req::post("/orgs")
        .user(&alice)
        .json(json!({"slug": slug, "name": "Down"}))
        .send(&down, create_org::handle)
        .await;
    assert_unavailable(&create);
    let bob = User::new("bob");
    let invite = Req::post("/orgs/{org}/invitations")
        .org(&org)
        .user(&alice)
        .json(json!({"emails": [bob.email]}))
        .send(&down, invite_members::handle)
        .await;
    assert_unavailable(&invite);

    // Back up: nothing of those requests exists, and they can be made again.
    let missing = Req::get("/orgs/{org}")
        .org(&slug)
        .user(&alice)
        .send(&app, get_org::handle)
        .await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    let list = Req::get("/orgs/{org}/invitations")
        .org(&org)
        .user(&alice)
        .send(&app, list_invitations::handle)
        .await;
    assert_eq!(list.json["items"], json!([]), "{}", list.body);
    let again = app
        .invite(&alice, &org, &[&bob.email], "member", false)
        .await;
    assert_eq!(
        again.json["results"][0]["outcome"], "invited",
        "{}",
        again.body
    );
}
