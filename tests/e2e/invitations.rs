//! Inviting: per-row outcomes, roles, mail through the outbox, listing.

use roster::http::routes::{invite_members, list_invitations};
use roster_tests::mail::{deliver_queued, queued_outbox_items, sent_to, token_in};
use roster_tests::{Req, TestApp, User};
use serde_json::json;

#[tokio::test]
async fn one_request_reports_an_outcome_per_row() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 5).await;
    let (bob, carol) = (User::new("bob"), User::new("carol"));
    let resp = app
        .invite(
            &alice,
            &org,
            &[
                &bob.email,
                "not-an-email",
                &carol.email.to_uppercase(),
                &bob.email,
                &alice.email,
            ],
            "member",
            false,
        )
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    let outcomes: Vec<_> = resp.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            (1, "invited".to_owned()),
            (2, "invalid".to_owned()),
            (3, "invited".to_owned()),
            (4, "duplicate".to_owned()),
            (5, "already_member".to_owned()),
        ]
    );
    assert_eq!(resp.json["results"][1]["error"], "not an email address");
    assert_eq!(
        resp.json["results"][2]["email"],
        json!(carol.email),
        "emails are lower-cased"
    );
    assert!(resp.json["results"][0]["invitation_id"].is_string());
    assert_eq!(
        resp.json["summary"],
        json!({"invited": 2, "already_member": 1, "already_invited": 0, "invalid": 1, "duplicate": 1,
            "already_suppressed": 0, "cooldown": 0})
    );
}

#[tokio::test]
async fn the_invitation_email_carries_a_working_accept_link() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let bob = User::new("bob");
    app.invite(&alice, &org, &[&bob.email], "member", false)
        .await;
    assert_eq!(deliver_queued(&app, &org).await, 1);
    let mails = sent_to(&bob.email).await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(mail.subject.contains("Test Org"), "{}", mail.subject);
    assert!(mail.subject.contains(&alice.email));
    assert!(
        mail.body
            .contains("https://roster.test/invitations/accept?token=")
    );
    assert!(mail.body.contains("expires on"));
    let token = token_in(&mail.body).unwrap();
    assert!(token.starts_with(&format!("{org}.")));
    // Delivering again sends nothing twice.
    assert_eq!(deliver_queued(&app, &org).await, 0);
    assert_eq!(sent_to(&bob.email).await.len(), 1);
}

#[tokio::test]
async fn the_same_stream_record_twice_sends_one_email() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let bob = User::new("bob");
    app.invite(&alice, &org, &[&bob.email], "member", false)
        .await;
    let items = queued_outbox_items(&app, &org).await;
    let event = roster_tests::mail::stream_event(items.clone());
    let again = roster_tests::mail::stream_event(items);
    let (a, b) = tokio::join!(
        roster::events::deliver_email::deliver_records(&app.app, event.records),
        roster::events::deliver_email::deliver_records(&app.app, again.records),
    );
    assert!(a.batch_item_failures.is_empty() && b.batch_item_failures.is_empty());
    assert_eq!(sent_to(&bob.email).await.len(), 1);
}

#[tokio::test]
async fn inviting_the_same_people_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let bob = User::new("bob");
    app.invite(&alice, &org, &[&bob.email], "member", false)
        .await;
    deliver_queued(&app, &org).await;
    let again = app.invite(&alice, &org, &[&bob.email], "admin", true).await;
    assert_eq!(again.json["results"][0]["outcome"], "already_invited");
    assert_eq!(deliver_queued(&app, &org).await, 0);
    assert_eq!(sent_to(&bob.email).await.len(), 1);
    let list = app.invitations(&alice, &org, "pending").await;
    assert_eq!(list.json["items"][0]["role"], "member");
}

#[tokio::test]
async fn only_admins_invite() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 1).await;
    let bob = User::new("bob");
    app.add_member(&alice, &org, &bob, "member", false).await;
    let bill = User::new("bill");
    app.add_member(&alice, &org, &bill, "billing_manager", false)
        .await;
    for who in [&bob, &bill] {
        let resp = app
            .invite(who, &org, &["x@example.com"], "member", false)
            .await;
        assert_eq!(resp.status, 403, "{}", resp.body);
        assert_eq!(resp.code(), "forbidden");
    }
    let outsider = app
        .invite(&User::new("eve"), &org, &["x@example.com"], "member", false)
        .await;
    assert_eq!(outsider.status, 404);
    assert_eq!(outsider.code(), "org_not_found");
}

#[tokio::test]
async fn bad_invite_requests_are_rejected_whole() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 1).await;
    let send = |body: serde_json::Value| {
        Req::post("/orgs/{org}/invitations")
            .org(&org)
            .user(&alice)
            .json(body)
    };
    let empty = send(json!({"emails": []}))
        .send(&app, invite_members::handle)
        .await;
    assert_eq!(empty.status, 400);
    let role = send(json!({"emails": ["a@b.com"], "role": "owner"}))
        .send(&app, invite_members::handle)
        .await;
    assert_eq!(role.status, 400);
    assert_eq!(role.json["errors"][0]["field"], "role");
    let many: Vec<String> = (0..1001).map(|i| format!("u{i}@example.com")).collect();
    let too_many = send(json!({"emails": many}))
        .send(&app, invite_members::handle)
        .await;
    assert_eq!(too_many.status, 413);
    assert_eq!(too_many.code(), "payload_too_large");
    let xml = Req::post("/orgs/{org}/invitations")
        .org(&org)
        .user(&alice)
        .raw_body("application/xml", b"<a/>".to_vec())
        .send(&app, invite_members::handle)
        .await;
    assert_eq!(xml.status, 415);
}

#[tokio::test]
async fn pending_invitations_are_listed_with_their_email_status() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 1).await;
    let bob = User::new("bob");
    app.invite(&alice, &org, &[&bob.email], "billing_manager", true)
        .await;
    let list = || {
        Req::get("/orgs/{org}/invitations")
            .org(&org)
            .user(&alice)
            .send(&app, list_invitations::handle)
    };
    let before = list().await;
    assert_eq!(before.status, 200, "{}", before.body);
    let inv = &before.json["items"][0];
    assert_eq!(inv["email"], json!(bob.email));
    assert_eq!(inv["role"], "billing_manager");
    assert_eq!(inv["seat"], true);
    assert_eq!(inv["status"], "pending");
    assert_eq!(inv["invited_by"], json!(alice.email));
    assert_eq!(inv["email_status"], "queued");
    assert!(before.json["next_cursor"].is_null());
    deliver_queued(&app, &org).await;
    assert_eq!(list().await.json["items"][0]["email_status"], "sent");
}

#[tokio::test]
async fn a_malformed_stream_record_is_skipped_and_the_rest_delivered() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let bob = User::new("bob");
    app.invite(&alice, &org, &[&bob.email], "member", false)
        .await;
    let mut items = queued_outbox_items(&app, &org).await;
    let mut broken = items[0].clone();
    broken.remove("kind");
    items.insert(0, broken);
    let event = roster_tests::mail::stream_event(items);
    let response = roster::events::deliver_email::deliver_records(&app.app, event.records).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(sent_to(&bob.email).await.len(), 1);
}

#[tokio::test]
async fn a_record_that_fails_on_dynamodb_is_reported_for_retry_and_stops_the_batch() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let (x1, x2) = (
        format!("x1@{org}.example.com"),
        format!("x2@{org}.example.com"),
    );
    app.invite(&alice, &org, &[&x1, &x2], "member", false).await;
    let items = queued_outbox_items(&app, &org).await;
    let event = roster_tests::mail::stream_event(items);
    let first_sequence = event.records[0].change.sequence_number.clone();
    // The same handler against a table that does not exist: every claim fails.
    let mut broken = (*app.app).clone();
    broken.store =
        roster::store::Store::new(app.app.store.client().clone(), "no-such-table".into());
    let response = roster::events::deliver_email::deliver_records(&broken, event.records).await;
    let failures: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(
        failures,
        [first_sequence],
        "report the first failure; Lambda retries from there"
    );
    // Nothing was claimed: a real retry delivers both.
    assert_eq!(deliver_queued(&app, &org).await, 2);
    assert_eq!(sent_to(&x1).await.len() + sent_to(&x2).await.len(), 2);
}

#[tokio::test]
async fn invitation_lists_paginate_and_cursors_are_bound_to_org_and_query() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let other = app.create_org(&alice, 0).await;
    let emails: Vec<String> = (0..3).map(|i| format!("p{i}@{org}.example.com")).collect();
    let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
    app.invite(&alice, &org, &refs, "member", false).await;
    app.invite(&alice, &other, &refs, "member", false).await;
    let page = |org: &str, status: &str, cursor: Option<&str>| {
        let mut req = Req::get("/orgs/{org}/invitations")
            .org(org)
            .user(&alice)
            .query("status", status)
            .query("limit", "1");
        if let Some(c) = cursor {
            req = req.query("cursor", c);
        }
        req.send(&app, list_invitations::handle)
    };
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let resp = page(&org, "all", cursor.as_deref()).await;
        assert_eq!(resp.status, 200, "{}", resp.body);
        seen.extend(
            resp.json["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["email"].clone()),
        );
        match resp.json["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);
    let first = page(&org, "all", None).await;
    let c = first.json["next_cursor"].as_str().unwrap().to_owned();
    for (o, status) in [(other.as_str(), "all"), (org.as_str(), "expired")] {
        let resp = page(o, status, Some(&c)).await;
        assert_eq!(resp.status, 400, "{o} {status}");
        assert_eq!(resp.code(), "invalid_cursor");
    }
    let bad_status = page(&org, "accepted", None).await;
    assert_eq!(bad_status.status, 400);
}
