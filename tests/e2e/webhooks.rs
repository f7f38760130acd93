//! Webhooks through the real handlers: an endpoint registered by an admin
//! gets the events it subscribed to, signed the Standard Webhooks way, from
//! `deliver-webhooks`; a failing endpoint is retried on the schedule (the
//! sweep wakes each retry) and disabled after days; internal addresses are
//! refused at registration and at delivery; a slow endpoint holds up nobody.

use chrono::Duration;
use roster::domain::webhook::EndpointSecret;
use roster::http::routes::{change_role, list_audit_events, webhooks};
use roster::ops::webhooks::wake_due;
use roster::store::keys::DUE_SHARDS;
use roster_tests::events::{
    MapResolver, Receiver, deliver_woken, deliveries, publish_org, webhook_settings,
};
use roster_tests::mail::stream_event;
use roster_tests::{Req, Resp, TestApp, User};
use serde_json::{Value, json};
use std::sync::Arc;

/// An app on its own table (the sweep's wake-ups are table-wide) whose
/// webhooks may call `receivers` over plain HTTP, resolving names with `resolver`.
async fn app_calling(receivers: &[&Receiver], resolver: MapResolver) -> TestApp {
    let mut test = TestApp::isolated().await;
    let exempt: Vec<String> = receivers.iter().map(|r| r.origin.clone()).collect();
    let mut inner = (*test.app).clone();
    inner.webhooks = webhook_settings(&exempt, resolver);
    test.app = Arc::new(inner);
    test
}

async fn register(app: &TestApp, org: &str, admin: &User, body: Value) -> Resp {
    Req::post("/orgs/{org}/webhooks")
        .org(org)
        .user(admin)
        .json(body)
        .send(app, webhooks::handle)
        .await
}

async fn change_role_of(app: &TestApp, org: &str, admin: &User, user: &User, role: &str) {
    let resp = Req::put("/orgs/{org}/members/{user_id}/role")
        .org(org)
        .param("user_id", &user.sub)
        .user(admin)
        .json(json!({"role": role}))
        .send(app, change_role::handle)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
}

/// An org with an admin and a member whose role the tests change.
async fn org_with_member(app: &TestApp) -> (String, User, User) {
    let admin = User::new("admin");
    let org = app.create_org(&admin, 2).await;
    let bob = User::new("bob");
    app.enroll(&org, &bob, "member", false).await;
    (org, admin, bob)
}

/// An org with an admin and a member, and an endpoint at `receiver` for
/// every event type: the org, its admin, the member and the endpoint's id.
async fn hooked_org(app: &TestApp, receiver: &Receiver) -> (String, User, User, String) {
    let (org, admin, bob) = org_with_member(app).await;
    let url = format!("{}/h", receiver.origin);
    let created = register(app, &org, &admin, json!({ "url": url })).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let endpoint = created.json["webhook"]["id"].as_str().unwrap().to_owned();
    (org, admin, bob, endpoint)
}

/// Whether one of the request's signatures is `secret`'s.
fn signed_by(received: &roster_tests::events::Received, secret: &str) -> bool {
    let id = &received.headers["webhook-id"];
    let timestamp: i64 = received.headers["webhook-timestamp"].parse().unwrap();
    let expected =
        EndpointSecret::parse(secret)
            .unwrap()
            .sign(id, timestamp, received.body.as_bytes());
    received.headers["webhook-signature"]
        .split(' ')
        .any(|s| s == expected)
}

/// The sweep's webhook step: wakes what is due, then the stream hands the
/// woken deliveries to `deliver-webhooks`.
async fn sweep_and_deliver(app: &TestApp, org: &str, endpoint: &str) -> usize {
    for shard in 0..DUE_SHARDS {
        wake_due(&app.app, shard, 500).await.unwrap();
    }
    deliver_woken(app, org, endpoint).await
}

async fn delivery_view(app: &TestApp, org: &str, admin: &User, endpoint: &str) -> Value {
    let listed = Req::get("/orgs/{org}/webhooks/{id}/deliveries")
        .org(org)
        .param("id", endpoint)
        .user(admin)
        .send(app, webhooks::handle)
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    listed.json["items"][0].clone()
}

#[tokio::test]
async fn a_failing_endpoint_gets_the_event_on_the_fourth_attempt_of_the_schedule_signed_each_time()
{
    let receiver = Receiver::start(&[500, 500, 500, 204]).await;
    let app = app_calling(&[&receiver], MapResolver::default()).await;
    let (org, admin, bob) = org_with_member(&app).await;
    let created = register(
        &app,
        &org,
        &admin,
        json!({"url": format!("{}/hook", receiver.origin), "event_types": ["member.role_changed"]}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let secret = created.json["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let endpoint = created.json["webhook"]["id"].as_str().unwrap().to_owned();
    assert!(
        !app.table_dump().await.contains(&secret[6..]),
        "no secret at rest"
    );

    change_role_of(&app, &org, &admin, &bob, "billing_manager").await;
    publish_org(&app, &org).await;
    assert_eq!(
        deliveries(&app, &org, &endpoint).await.len(),
        1,
        "one subscribed event"
    );
    assert_eq!(deliver_woken(&app, &org, &endpoint).await, 1);
    let first = delivery_view(&app, &org, &admin, &endpoint).await;
    assert_eq!(first["status"], "pending");
    assert_eq!(first["attempts"][0]["status_code"], 500);
    assert!(first["next_attempt_at"].is_string());
    assert_eq!(
        sweep_and_deliver(&app, &org, &endpoint).await,
        0,
        "not due yet"
    );

    for _ in 0..3 {
        app.clock.advance(Duration::hours(3));
        assert_eq!(sweep_and_deliver(&app, &org, &endpoint).await, 1);
    }
    let done = delivery_view(&app, &org, &admin, &endpoint).await;
    assert_eq!(done["status"], "delivered", "{done}");
    let codes: Vec<&Value> = done["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status_code"])
        .collect();
    assert_eq!(codes, [&json!(500), &json!(500), &json!(500), &json!(204)]);
    app.clock.advance(Duration::days(1));
    assert_eq!(
        sweep_and_deliver(&app, &org, &endpoint).await,
        0,
        "delivered: no more"
    );

    let received = receiver.received();
    assert_eq!(received.len(), 4);
    let id = &received[0].headers["webhook-id"];
    assert!(
        received.iter().all(|r| &r.headers["webhook-id"] == id),
        "one id across retries"
    );
    assert!(received.iter().all(|r| signed_by(r, &secret)));
    let event: Value = serde_json::from_str(&received[0].body).unwrap();
    assert_eq!(event["type"], "member.role_changed");
    assert_eq!(event["id"], id.as_str());
    assert_eq!(event["data"]["to"], "billing_manager");
}

#[tokio::test]
async fn internal_addresses_are_refused_at_registration_and_at_delivery() {
    let resolver = MapResolver::default();
    resolver.set("intranet.example", "10.0.0.7");
    resolver.set("rebind.example", "93.184.216.34");
    let app = app_calling(&[], resolver.clone()).await;
    let (org, admin, bob) = org_with_member(&app).await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://intranet.example/hook",
        "https://nowhere.invalid/hook",
        "http://hooks.example.com/hook",
        "https://user:pw@rebind.example/hook",
    ] {
        let refused = register(&app, &org, &admin, json!({"url": url})).await;
        assert_eq!(refused.status, 400, "{url}: {}", refused.body);
        assert_eq!(refused.code(), "invalid_webhook_url", "{url}");
    }
    let created = register(
        &app,
        &org,
        &admin,
        json!({"url": "https://rebind.example/hook"}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let endpoint = created.json["webhook"]["id"].as_str().unwrap().to_owned();

    // The name now points inside: the delivery refuses to connect.
    resolver.set("rebind.example", "10.1.2.3");
    change_role_of(&app, &org, &admin, &bob, "admin").await;
    publish_org(&app, &org).await;
    assert_eq!(deliver_woken(&app, &org, &endpoint).await, 1);
    let attempt = &delivery_view(&app, &org, &admin, &endpoint).await["attempts"][0];
    assert_eq!(attempt["status_code"], Value::Null);
    let error = attempt["error"].as_str().unwrap();
    assert!(
        error.contains("rebind.example") && error.contains("private"),
        "{error}"
    );
    assert!(
        !error.contains("10.1.2.3"),
        "the address itself is not told: {error}"
    );
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_old_one_for_a_day_and_a_redelivery_sends_again() {
    let receiver = Receiver::start(&[204]).await;
    let app = app_calling(&[&receiver], MapResolver::default()).await;
    let (org, admin, bob) = org_with_member(&app).await;
    let created = register(
        &app,
        &org,
        &admin,
        json!({"url": format!("{}/h", receiver.origin)}),
    )
    .await;
    let old = created.json["secret"].as_str().unwrap().to_owned();
    let endpoint = created.json["webhook"]["id"].as_str().unwrap().to_owned();
    let rotated = Req::post("/orgs/{org}/webhooks/{id}/rotate-secret")
        .org(&org)
        .param("id", &endpoint)
        .user(&admin)
        .send(&app, webhooks::handle)
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new = rotated.json["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);

    change_role_of(&app, &org, &admin, &bob, "admin").await;
    publish_org(&app, &org).await;
    deliver_woken(&app, &org, &endpoint).await;
    let first = &receiver.received()[0];
    assert!(
        signed_by(first, &new) && signed_by(first, &old),
        "both sign for a day"
    );

    let delivery = delivery_view(&app, &org, &admin, &endpoint).await;
    assert_eq!(delivery["status"], "delivered");
    app.clock.advance(Duration::hours(25));
    let again = Req::post("/orgs/{org}/webhooks/{id}/deliveries/{delivery}/redeliver")
        .org(&org)
        .param("id", &endpoint)
        .param("delivery", delivery["id"].as_str().unwrap())
        .user(&admin)
        .send(&app, webhooks::handle)
        .await;
    assert_eq!(again.status, 202, "{}", again.body);
    assert_eq!(again.json["status"], "pending");
    assert_eq!(deliver_woken(&app, &org, &endpoint).await, 1);
    let second = &receiver.received()[1];
    assert!(
        signed_by(second, &new) && !signed_by(second, &old),
        "the old one stopped"
    );
    let after = delivery_view(&app, &org, &admin, &endpoint).await;
    assert_eq!(after["status"], "delivered");
    assert_eq!(after["attempts"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn an_endpoint_failing_for_three_days_is_disabled_and_the_admins_see_why() {
    let receiver = Receiver::start(&[503]).await;
    let app = app_calling(&[&receiver], MapResolver::default()).await;
    let (org, admin, bob, endpoint) = hooked_org(&app, &receiver).await;
    change_role_of(&app, &org, &admin, &bob, "admin").await;
    publish_org(&app, &org).await;
    deliver_woken(&app, &org, &endpoint).await;
    let mut attempts = 1;
    for _ in 0..40 {
        app.clock.advance(Duration::hours(3));
        attempts += sweep_and_deliver(&app, &org, &endpoint).await;
    }
    assert_eq!(attempts, 10, "the first attempt and nine retries");
    assert_eq!(receiver.received().len(), 10);
    let delivery = delivery_view(&app, &org, &admin, &endpoint).await;
    assert_eq!(delivery["status"], "failed");
    let listed = Req::get("/orgs/{org}/webhooks")
        .org(&org)
        .user(&admin)
        .send(&app, webhooks::handle)
        .await;
    let hook = &listed.json["items"][0];
    assert_eq!(hook["enabled"], false, "{hook}");
    assert_eq!(hook["disabled_reason"], "failing");
    let audit = Req::get("/orgs/{org}/audit")
        .org(&org)
        .user(&admin)
        .send(&app, list_audit_events::handle)
        .await;
    assert_eq!(audit.json["items"][0]["action"], "webhook.disabled");
    let mailed = roster_tests::mail::queued_outbox_items(&app, &org).await;
    let kinds: Vec<_> = mailed
        .iter()
        .map(|m| m["kind"].as_s().unwrap().as_str())
        .collect();
    assert_eq!(kinds, ["webhook_disabled"; 2], "both admins are told");
    let mut to: Vec<&str> = mailed
        .iter()
        .map(|m| m["to"].as_s().unwrap().as_str())
        .collect();
    to.sort();
    let mut admins = [admin.email.as_str(), bob.email.as_str()];
    admins.sort();
    assert_eq!(to, admins);

    // Enabled again by an admin, it gets the next event.
    let enabled = Req::patch("/orgs/{org}/webhooks/{id}")
        .org(&org)
        .param("id", &endpoint)
        .user(&admin)
        .json(json!({"enabled": true}))
        .send(&app, webhooks::handle)
        .await;
    assert_eq!(enabled.status, 200, "{}", enabled.body);
    assert_eq!(enabled.json["failing_since"], Value::Null);
}

#[tokio::test]
async fn a_slow_endpoint_does_not_hold_up_another_orgs_delivery() {
    let fast = Receiver::start(&[204]).await;
    // Answers only once the other endpoint has its delivery: were the two
    // attempted one after the other, it would time out instead.
    let slow = Receiver::start_gated(&[204], &fast).await;
    let app = app_calling(&[&fast, &slow], MapResolver::default()).await;
    let mut woken = Vec::new();
    let mut endpoints = Vec::new();
    for receiver in [&slow, &fast] {
        let (org, admin, bob) = org_with_member(&app).await;
        let created = register(
            &app,
            &org,
            &admin,
            json!({"url": format!("{}/h", receiver.origin)}),
        )
        .await;
        let endpoint = created.json["webhook"]["id"].as_str().unwrap().to_owned();
        change_role_of(&app, &org, &admin, &bob, "admin").await;
        publish_org(&app, &org).await;
        woken.extend(deliveries(&app, &org, &endpoint).await);
        endpoints.push((org, admin, endpoint));
    }
    // One batch, the slow endpoint's delivery first.
    let response =
        roster::events::deliver_webhooks::deliver_records(&app.app, stream_event(woken).records)
            .await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(fast.received().len(), 1);
    assert_eq!(slow.received().len(), 1);
    let (org, admin, endpoint) = &endpoints[0];
    let held = delivery_view(&app, org, admin, endpoint).await;
    assert_eq!(
        held["status"], "delivered",
        "the fast one was not behind it: {held}"
    );
}

#[tokio::test]
async fn admins_alone_manage_endpoints_within_limits_and_unknown_ones_are_not_found() {
    let app = TestApp::spawn().await;
    let (org, admin, bob) = org_with_member(&app).await;
    let url = "https://93.184.216.34/hook";
    let by_member = register(&app, &org, &bob, json!({"url": url})).await;
    assert_eq!(by_member.status, 403);
    let bad_type = register(
        &app,
        &org,
        &admin,
        json!({"url": url, "event_types": ["nope"]}),
    )
    .await;
    assert_eq!(bad_type.status, 400, "{}", bad_type.body);
    let unknown_field = register(&app, &org, &admin, json!({"url": url, "secret": "mine"})).await;
    assert_eq!(unknown_field.status, 400, "{}", unknown_field.body);
    for i in 0..10 {
        let ok = register(&app, &org, &admin, json!({"url": format!("{url}/{i}")})).await;
        assert_eq!(ok.status, 201, "{}", ok.body);
    }
    let over = register(&app, &org, &admin, json!({"url": url})).await;
    assert_eq!(over.status, 409, "{}", over.body);
    assert_eq!(over.code(), "webhook_limit");
    let missing = Req::post("/orgs/{org}/webhooks/{id}/rotate-secret")
        .org(&org)
        .param("id", "wh_missing")
        .user(&admin)
        .send(&app, webhooks::handle)
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.code(), "webhook_not_found");
    let bad_delivery = Req::post("/orgs/{org}/webhooks/{id}/deliveries/{delivery}/redeliver")
        .org(&org)
        .param("id", "wh_00000000000000000000")
        .param("delivery", "not-a-delivery")
        .user(&admin)
        .send(&app, webhooks::handle)
        .await;
    assert_eq!(bad_delivery.status, 404);
    assert_eq!(bad_delivery.code(), "delivery_not_found");
}

#[tokio::test]
async fn publishing_and_delivering_cost_a_counted_number_of_dynamodb_calls() {
    let receiver = Receiver::start(&[204]).await;
    let app = app_calling(&[&receiver], MapResolver::default()).await;
    let (org, admin, bob, endpoint) = hooked_org(&app, &receiver).await;
    publish_org(&app, &org).await;
    change_role_of(&app, &org, &admin, &bob, "admin").await;
    change_role_of(&app, &org, &admin, &bob, "member").await;
    let audit = roster_tests::events::audit_items(&app, &org).await;
    let fresh: Vec<_> = audit
        .into_iter()
        .filter(|a| a["action"].as_s().unwrap() == "member.role_changed")
        .collect();
    assert_eq!(fresh.len(), 2);

    app.calls.reset();
    assert!(!roster_tests::events::publish(&app, fresh).await);
    // Per batch: the org's endpoints (one query); per event: its feed item,
    // its delivery to the one endpoint, and the mark once on the bus.
    assert_eq!(
        app.calls.by_operation(),
        [
            ("PutItem".to_owned(), 4),
            ("Query".to_owned(), 1),
            ("UpdateItem".to_owned(), 2)
        ]
        .into(),
    );

    let woken: Vec<_> = deliveries(&app, &org, &endpoint).await;
    assert_eq!(woken.len(), 2);
    app.calls.reset();
    let response =
        roster::events::deliver_webhooks::deliver_records(&app.app, stream_event(woken).records)
            .await;
    assert!(response.batch_item_failures.is_empty());
    // Per attempt: the claim, the endpoint, the outcome; the endpoint's first
    // success is recorded once (later ones at most hourly).
    let calls = app.calls.by_operation();
    assert_eq!(calls.get("GetItem"), Some(&2), "{calls:?}");
    assert!(
        (5..=6).contains(calls.get("UpdateItem").unwrap()),
        "two claims, two outcomes, one or two health writes: {calls:?}"
    );
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn a_delivery_nobody_claims_comes_back_and_a_claimed_one_is_attempted_by_its_claimant_only() {
    use roster::store::webhooks as store;
    let receiver = Receiver::start(&[204]).await;
    let app = app_calling(&[&receiver], MapResolver::default()).await;
    let (org, admin, bob, endpoint) = hooked_org(&app, &receiver).await;
    change_role_of(&app, &org, &admin, &bob, "admin").await;
    publish_org(&app, &org).await;
    let item = deliveries(&app, &org, &endpoint).await.remove(0);
    let delivery = store::delivery_from_item(&item).unwrap();

    // The stream's record is lost: the lease the delivery was created with
    // brings it back through the sweep.
    app.clock.advance(Duration::minutes(6));
    assert_eq!(sweep_and_deliver(&app, &org, &endpoint).await, 1);
    assert_eq!(receiver.received().len(), 1);

    // A worker claims it; a redelivery meanwhile waits for the claim.
    let redeliver = || {
        Req::post("/orgs/{org}/webhooks/{id}/deliveries/{delivery}/redeliver")
            .org(&org)
            .param("id", &endpoint)
            .param("delivery", &delivery.id())
            .user(&admin)
    };
    assert_eq!(redeliver().send(&app, webhooks::handle).await.status, 202);
    let now = app.clock_now();
    let requeued = store::delivery_from_item(&deliveries(&app, &org, &endpoint).await[0]).unwrap();
    app.app
        .store
        .write(store::claim_delivery(&requeued, "worker-a", now))
        .await
        .unwrap();
    let during = redeliver().send(&app, webhooks::handle).await;
    assert_eq!(during.status, 202, "{}", during.body);
    assert_eq!(
        deliver_woken(&app, &org, &endpoint).await,
        0,
        "not queued twice"
    );
    // Worker A never reports; after its lease, the sweep wakes it for worker B.
    app.clock.advance(Duration::minutes(6));
    assert_eq!(sweep_and_deliver(&app, &org, &endpoint).await, 1);
    assert_eq!(receiver.received().len(), 2);
    let late = app
        .app
        .store
        .write(store::record_attempt(&requeued, "worker-a"))
        .await;
    assert!(
        late.unwrap_err().is_condition_failed(),
        "a stale claim records nothing"
    );
    assert_eq!(
        delivery_view(&app, &org, &admin, &endpoint).await["status"],
        "delivered"
    );
}
