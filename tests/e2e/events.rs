//! Events for other systems: every change of an org's invitations, members,
//! seats and tokens becomes one event, in order, on the org's feed and on the
//! bus, through the real `publish-events` handler fed the audit entries as the
//! stream would; a batch that dies half-way and runs again loses and repeats
//! nothing.

use chrono::Duration;
use roster::http::routes::{
    accept_invitation, change_role, issue_token, list_events, remove_member, revoke_invitation,
    revoke_seat, revoke_token,
};
use roster::ops::sweep::sweep;
use roster_tests::events::{audit_items, publish, publish_org};
use roster_tests::{Req, TestApp, User, address_id};
use serde_json::{Value, json};

/// Every event of the org's feed, page by page (`limit` each).
async fn feed(app: &TestApp, org: &str, admin: &User, filters: &[(&str, &str)]) -> Vec<Value> {
    let mut events = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut req = Req::get("/orgs/{org}/events")
            .org(org)
            .user(admin)
            .query("limit", "3");
        for (name, value) in filters {
            req = req.query(name, value);
        }
        if let Some(c) = &cursor {
            req = req.query("cursor", c);
        }
        let page = req.send(app, list_events::handle).await;
        assert_eq!(page.status, 200, "{}", page.body);
        events.extend(page.json["items"].as_array().unwrap().iter().cloned());
        match page.json["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return events,
        }
    }
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

/// An org that went through every kind of change once: invitations created,
/// resent, revoked and accepted, a role changed, a token issued and revoked,
/// a seat revoked, the member removed.
async fn busy_org(app: &TestApp) -> (String, User, User) {
    let admin = User::new("admin");
    let org = app.create_org(&admin, 3).await;
    let bob = User::new("bob");
    let carol = User::new("carol");
    let tick = || app.clock.advance(Duration::seconds(1));
    tick();
    let first = app
        .invite_and_get_token(&admin, &org, &bob, "member", true)
        .await;
    tick();
    assert_eq!(
        app.invite(&admin, &org, &[&carol.email], "member", false)
            .await
            .status,
        200
    );
    let resent = app
        .resend_after_cooldown(&admin, &org, &address_id(&bob.email))
        .await;
    assert_eq!(resent.status, 200, "{}", resent.body);
    tick();
    let revoked = Req::delete("/orgs/{org}/invitations/{id}")
        .org(&org)
        .param("id", &address_id(&carol.email))
        .user(&admin)
        .send(app, revoke_invitation::handle)
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    roster_tests::mail::deliver_queued(app, &org).await;
    let token = roster_tests::mail::latest_invite_token(&bob.email)
        .await
        .unwrap();
    assert_ne!(token, first);
    tick();
    let accepted = Req::post("/invitations/accept")
        .user(&bob)
        .json(json!({"token": token}))
        .send(app, accept_invitation::handle)
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    tick();
    let role = Req::put("/orgs/{org}/members/{user_id}/role")
        .org(&org)
        .param("user_id", &bob.sub)
        .user(&admin)
        .json(json!({"role": "billing_manager"}))
        .send(app, change_role::handle)
        .await;
    assert_eq!(role.status, 200, "{}", role.body);
    tick();
    let issued = Req::post("/orgs/{org}/tokens")
        .org(&org)
        .user(&bob)
        .json(json!({"name": "laptop"}))
        .send(app, issue_token::handle)
        .await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    tick();
    let revoked = Req::delete("/orgs/{org}/tokens/{id}")
        .org(&org)
        .param("id", issued.json["id"].as_str().unwrap())
        .user(&admin)
        .send(app, revoke_token::handle)
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    tick();
    let unseated = Req::delete("/orgs/{org}/members/{user_id}/seat")
        .org(&org)
        .param("user_id", &bob.sub)
        .user(&admin)
        .send(app, revoke_seat::handle)
        .await;
    assert_eq!(unseated.status, 204, "{}", unseated.body);
    tick();
    let removed = Req::delete("/orgs/{org}/members/{user_id}")
        .org(&org)
        .param("user_id", &bob.sub)
        .user(&admin)
        .send(app, remove_member::handle)
        .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    (org, admin, bob)
}

const EXPECTED: [&str; 12] = [
    "invitation.created",
    "invitation.created",
    "invitation.resent",
    "invitation.revoked",
    "invitation.accepted",
    "member.joined",
    "seat.assigned",
    "member.role_changed",
    "token.issued",
    "token.revoked",
    "seat.revoked",
    "member.removed",
];

#[tokio::test]
async fn every_change_becomes_one_event_in_order_on_the_feed_and_the_bus() {
    let app = TestApp::spawn().await;
    let (org, admin, bob) = busy_org(&app).await;
    publish_org(&app, &org).await;

    let events = feed(&app, &org, &admin, &[]).await;
    assert_eq!(types(&events), EXPECTED);
    let on_bus = app.bus.events_of(&org);
    assert_eq!(
        on_bus, events,
        "the bus carries exactly what the feed holds, in order"
    );
    let joined = &events[5];
    assert_eq!(joined["version"], 1);
    assert_eq!(joined["org"], org.as_str());
    assert_eq!(joined["data"]["user_id"], bob.sub.as_str());
    assert_eq!(joined["data"]["email"], bob.email.as_str());
    assert_eq!(joined["data"]["via"], "invitation");
    assert_eq!(events[7]["data"]["to"], "billing_manager");
    assert_eq!(events[7]["actor"]["email"], admin.email.as_str());
    assert!(
        events
            .iter()
            .all(|e| e["id"].as_str().unwrap().starts_with("evt_"))
    );

    // The stream delivers a record again: nothing is repeated anywhere.
    publish_org(&app, &org).await;
    assert_eq!(feed(&app, &org, &admin, &[]).await, events);
    assert_eq!(app.bus.events_of(&org).len(), EXPECTED.len());

    let seats = feed(
        &app,
        &org,
        &admin,
        &[("type", "seat.assigned,seat.revoked")],
    )
    .await;
    assert_eq!(types(&seats), ["seat.assigned", "seat.revoked"]);
    let since = events[8]["occurred_at"].as_str().unwrap().to_owned();
    let later = feed(&app, &org, &admin, &[("since", &since)]).await;
    assert_eq!(types(&later), &EXPECTED[8..]);
    let until = events[3]["occurred_at"].as_str().unwrap().to_owned();
    let earlier = feed(&app, &org, &admin, &[("until", &until)]).await;
    assert_eq!(types(&earlier), &EXPECTED[..4]);
}

#[tokio::test]
async fn a_batch_that_dies_half_way_is_run_again_with_nothing_lost_or_repeated() {
    let app = TestApp::spawn().await;
    let (org, admin, _) = busy_org(&app).await;
    let items = audit_items(&app, &org).await;

    // EventBridge unreachable: the batch fails after writing the feed.
    app.bus.fail_next(1);
    assert!(
        publish(&app, items.clone()).await,
        "the failure is reported for a retry"
    );
    assert!(app.bus.events_of(&org).is_empty());
    // Lambda runs the batch again, from its first record.
    assert!(!publish(&app, items.clone()).await);
    let events = feed(&app, &org, &admin, &[]).await;
    assert_eq!(types(&events), EXPECTED);
    assert_eq!(app.bus.events_of(&org), events);

    // Killed after the first half of the batch was published: the next
    // batch (with the whole batch again) publishes only the rest.
    let other = TestApp::spawn().await;
    let (org, admin, _) = busy_org(&other).await;
    let items = audit_items(&other, &org).await;
    let half = items.len() / 2;
    assert!(!publish(&other, items[..half].to_vec()).await);
    let first = other.bus.events_of(&org).len();
    assert!(first > 0 && first < EXPECTED.len());
    assert!(!publish(&other, items).await);
    assert_eq!(types(&other.bus.events_of(&org)), EXPECTED);
    assert_eq!(types(&feed(&other, &org, &admin, &[]).await), EXPECTED);
}

#[tokio::test]
async fn the_sweep_records_expired_invitations_and_imports_record_their_end() {
    let app = TestApp::isolated().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 0).await;
    let dave = User::new("dave");
    assert_eq!(
        app.invite(&admin, &org, &[&dave.email], "member", false)
            .await
            .status,
        200
    );
    app.clock.advance(Duration::days(8));
    let report = sweep(&app.app).await.unwrap();
    assert_eq!(report.invitations_expired, 1);
    assert_eq!(
        sweep(&app.app).await.unwrap().invitations_expired,
        0,
        "recorded once"
    );
    publish_org(&app, &org).await;
    let events = feed(&app, &org, &admin, &[("type", "invitation.expired")]).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["email"], dave.email.as_str());
    assert_eq!(
        events[0]["data"]["invitation_id"],
        address_id(&dave.email).as_str()
    );
    assert_eq!(events[0]["actor"]["id"], Value::Null);
}

#[tokio::test]
async fn only_admins_read_the_feed_and_bad_filters_are_refused() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 2).await;
    let billing = User::new("billing");
    app.add_member(&admin, &org, &billing, "billing_manager", false)
        .await;
    let read = |user: &User, query: Option<(&str, &str)>| {
        let mut req = Req::get("/orgs/{org}/events").org(&org).user(user);
        if let Some((k, v)) = query {
            req = req.query(k, v);
        }
        req
    };
    let denied = read(&billing, None).send(&app, list_events::handle).await;
    assert_eq!(denied.status, 403, "{}", denied.body);
    let stranger = read(&User::new("stranger"), None)
        .send(&app, list_events::handle)
        .await;
    assert_eq!(stranger.status, 404, "{}", stranger.body);
    for bad in [
        ("type", "member.exploded"),
        ("since", "yesterday"),
        ("limit", "0"),
    ] {
        let resp = read(&admin, Some(bad))
            .send(&app, list_events::handle)
            .await;
        assert_eq!(resp.status, 400, "{bad:?}: {}", resp.body);
    }
    app.calls.reset();
    let ok = read(&admin, None).send(&app, list_events::handle).await;
    assert_eq!(ok.status, 200);
    assert_eq!(app.calls.total(), 2, "the authorizing read and one query");
}

#[tokio::test]
async fn admins_get_one_daily_digest_of_the_invitations_they_sent_that_expired() {
    let app = TestApp::isolated().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let bob = User::new("bob");
    app.add_member(&alice, &org, &bob, "admin", false).await;
    let on = Req::patch("/orgs/{org}")
        .org(&org)
        .user(&alice)
        .json(json!({"expired_invitations_digest": true}))
        .send(&app, roster::http::routes::update_org::handle)
        .await;
    assert_eq!(on.status, 200, "{}", on.body);
    assert_eq!(on.json["expired_invitations_digest"], true);
    let (x, y, z) = (User::new("x"), User::new("y"), User::new("z"));
    assert_eq!(
        app.invite(&alice, &org, &[&x.email, &y.email], "member", false)
            .await
            .status,
        200
    );
    assert_eq!(
        app.invite(&bob, &org, &[&z.email], "member", false)
            .await
            .status,
        200
    );
    roster_tests::mail::deliver_queued(&app, &org).await;

    // Their expiry is recorded, and the digest (due every day) goes out in
    // the same sweep.
    app.clock.advance(Duration::days(8));
    let report = sweep(&app.app).await.unwrap();
    assert_eq!(report.invitations_expired, 3);
    assert_eq!(report.digests_sent, 2, "alice's and bob's");
    let queued = roster_tests::mail::queued_outbox_items(&app, &org).await;
    let digest_to = |who: &User| {
        queued
            .iter()
            .find(|m| {
                m["kind"].as_s().unwrap() == "expired_digest"
                    && m["to"].as_s().unwrap() == &who.email
            })
            .unwrap_or_else(|| panic!("a digest to {}", who.email))
            .clone()
    };
    let listed = |m: &roster::store::Item| -> Vec<String> {
        m["emails"]
            .as_l()
            .unwrap()
            .iter()
            .map(|e| e.as_s().unwrap().clone())
            .collect()
    };
    assert_eq!(
        listed(&digest_to(&alice)),
        [x.email.clone(), y.email.clone()]
    );
    assert_eq!(listed(&digest_to(&bob)), std::slice::from_ref(&z.email));
    roster_tests::mail::deliver_queued(&app, &org).await;
    let mail = roster_tests::mail::sent_to(&alice.email).await;
    let digest = mail.last().unwrap();
    assert!(
        digest.subject.starts_with("2 invitations"),
        "{}",
        digest.subject
    );
    assert!(digest.body.contains(&x.email) && digest.body.contains(&y.email));

    assert_eq!(sweep(&app.app).await.unwrap().digests_sent, 0, "one a day");
    app.clock.advance(Duration::days(1));
    assert_eq!(
        sweep(&app.app).await.unwrap().digests_sent,
        0,
        "nothing new expired"
    );

    let off = Req::patch("/orgs/{org}")
        .org(&org)
        .user(&bob)
        .json(json!({"expired_invitations_digest": false}))
        .send(&app, roster::http::routes::update_org::handle)
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(off.json["expired_invitations_digest"], false);
}
