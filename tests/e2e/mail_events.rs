//! Bounces and complaints: SES's recorded event shapes, carrying
//! the tags the real send put on the message, fed through the real
//! `mail-events` handler; then what admins and invitees see through the API.

use roster::domain::OrgSlug;
use roster::http::routes::{
    assign_seat, clear_suppression, list_audit_events, list_suppressions, revoke_invitation,
};
use roster::store::Reads;
use roster_tests::feedback::Feedback;
use roster_tests::mail::{deliver_queued, sent_to};
use roster_tests::{Req, Resp, TestApp, User, address_id};
use serde_json::{Value, json};

async fn invitation(app: &TestApp, admin: &User, org: &str, email: &str) -> Value {
    let list = app.invitations(admin, org, "all").await;
    assert_eq!(list.status, 200, "{}", list.body);
    list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["email"] == email)
        .cloned()
        .unwrap_or_else(|| panic!("no invitation for {email}: {}", list.body))
}

async fn suppressions(app: &TestApp, user: &User, org: &str) -> Resp {
    Req::get("/orgs/{org}/suppressions")
        .org(org)
        .user(user)
        .send(app, list_suppressions::handle)
        .await
}

/// Clears `email`'s suppression, giving a reason (a complaint needs one).
async fn clear(app: &TestApp, user: &User, org: &str, email: &str) -> Resp {
    Req::delete("/orgs/{org}/suppressions/{id}")
        .org(org)
        .param("id", &address_id(email))
        .user(user)
        .json(json!({"reason": "They asked to be invited again."}))
        .send(app, clear_suppression::handle)
        .await
}

/// Resends `email`'s invitation once the resend cooldown has passed.
async fn resend(app: &TestApp, admin: &User, org: &str, email: &str) -> Resp {
    app.resend_after_cooldown(admin, org, &address_id(email))
        .await
}

async fn suppressed_count(app: &TestApp, org: &str) -> u32 {
    let slug = OrgSlug::parse(org).unwrap();
    let found = app.app.store.read(Reads::new().org(&slug)).await.unwrap();
    found.org(&slug).unwrap().suppressed
}

fn outcome(resp: &Resp, row: usize) -> &str {
    resp.json["results"][row]["outcome"].as_str().unwrap_or("?")
}

#[tokio::test]
async fn every_message_carries_the_tags_its_feedback_comes_back_with() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, _) = app.org_with_invitee(1, "member", false).await;
    let tags = app.sent_tags.latest(&bob.email).expect("bob was mailed");
    assert_eq!(tags["roster-org"], org);
    assert_eq!(tags["roster-kind"], "invitation");
    assert!(tags["roster-generation"].parse::<u64>().is_ok(), "{tags:?}");

    let carol = User::new("carol");
    app.add_member(&alice, &org, &carol, "member", false).await;
    let seat = Req::put("/orgs/{org}/members/{user_id}/seat")
        .org(&org)
        .param("user_id", &carol.sub)
        .user(&alice)
        .send(&app, assign_seat::handle)
        .await;
    assert_eq!(seat.status, 200, "{}", seat.body);
    deliver_queued(&app, &org).await;
    let tags = app
        .sent_tags
        .latest(&carol.email)
        .expect("carol was mailed");
    assert_eq!(tags["roster-kind"], "seat");
    assert!(!tags.contains_key("roster-generation"), "{tags:?}");
}

#[tokio::test]
async fn a_permanent_bounce_marks_the_invitation_and_suppresses_the_address() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, _) = app.org_with_invitee(0, "member", false).await;
    assert_eq!(
        invitation(&app, &alice, &org, &bob.email).await["email_status"],
        "sent"
    );

    app.ses_reports(Feedback::PermanentBounce, &bob.email).await;

    assert_eq!(
        invitation(&app, &alice, &org, &bob.email).await["email_status"],
        "bounced"
    );
    let listed = suppressions(&app, &alice, &org).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let items = listed.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", listed.body);
    assert_eq!(items[0]["email"], bob.email.as_str());
    assert_eq!(items[0]["id"], address_id(&bob.email));
    assert_eq!(items[0]["reason"], "bounced");
    assert!(
        items[0]["detail"].as_str().unwrap().contains("550 5.1.1"),
        "{}",
        listed.body
    );

    // Not resent: the admin's resend is refused, and nothing is queued.
    let again = resend(&app, &alice, &org, &bob.email).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert_eq!(again.code(), "email_suppressed");
    assert_eq!(deliver_queued(&app, &org).await, 0);
    assert_eq!(sent_to(&bob.email).await.len(), 1);

    // A new invitation (after a revoke) is refused per row, dry run or not,
    // beside rows that go through.
    let revoked = Req::delete("/orgs/{org}/invitations/{id}")
        .org(&org)
        .param("id", &address_id(&bob.email))
        .user(&alice)
        .send(&app, revoke_invitation::handle)
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    let carol = User::new("carol");
    for dry_run in ["true", "false"] {
        let resp = Req::post("/orgs/{org}/invitations")
            .org(&org)
            .user(&alice)
            .query("dry_run", dry_run)
            .json(json!({"emails": [bob.email, carol.email]}))
            .send(&app, roster::http::routes::invite_members::handle)
            .await;
        assert_eq!(resp.status, 200, "{}", resp.body);
        assert_eq!(outcome(&resp, 0), "already_suppressed", "{}", resp.body);
        assert_eq!(outcome(&resp, 1), "invited", "{}", resp.body);
        assert_eq!(resp.json["summary"]["already_suppressed"], 1);
    }
    deliver_queued(&app, &org).await;
    assert_eq!(sent_to(&bob.email).await.len(), 1);
    assert_eq!(sent_to(&carol.email).await.len(), 1);

    // The audit log says what happened, and that no user did it.
    let audit = Req::get("/orgs/{org}/audit")
        .org(&org)
        .user(&alice)
        .send(&app, list_audit_events::handle)
        .await;
    let entry = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "email.suppressed")
        .cloned()
        .unwrap_or_else(|| panic!("no email.suppressed entry: {}", audit.body));
    assert_eq!(entry["actor"], "ses");
    assert_eq!(entry["actor_id"], Value::Null);
    assert_eq!(entry["target"], bob.email.as_str());
}

#[tokio::test]
async fn clearing_a_suppression_lets_the_admin_resend_and_only_admins_may() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, _) = app.org_with_invitee(0, "member", false).await;
    let billing = User::new("billing");
    app.add_member(&alice, &org, &billing, "billing_manager", false)
        .await;
    app.ses_reports(Feedback::Complaint, &bob.email).await;
    assert_eq!(
        invitation(&app, &alice, &org, &bob.email).await["email_status"],
        "complained"
    );
    assert_eq!(suppressed_count(&app, &org).await, 1);

    assert_eq!(suppressions(&app, &billing, &org).await.status, 403);
    assert_eq!(clear(&app, &billing, &org, &bob.email).await.status, 403);
    assert_eq!(
        clear(&app, &User::new("outsider"), &org, &bob.email)
            .await
            .code(),
        "org_not_found"
    );

    let cleared = clear(&app, &alice, &org, &bob.email).await;
    assert_eq!(cleared.status, 204, "{}", cleared.body);
    assert_eq!(suppressed_count(&app, &org).await, 0);
    assert_eq!(
        suppressions(&app, &alice, &org).await.json["items"],
        json!([])
    );
    let twice = clear(&app, &alice, &org, &bob.email).await;
    assert_eq!(twice.status, 404);
    assert_eq!(twice.code(), "suppression_not_found");

    // The invitation keeps its complaint until it is resent; the resend mails.
    assert_eq!(
        invitation(&app, &alice, &org, &bob.email).await["email_status"],
        "complained"
    );
    let resent = resend(&app, &alice, &org, &bob.email).await;
    assert_eq!(resent.status, 200, "{}", resent.body);
    deliver_queued(&app, &org).await;
    assert_eq!(sent_to(&bob.email).await.len(), 2);
    assert_eq!(
        invitation(&app, &alice, &org, &bob.email).await["email_status"],
        "sent"
    );
}

#[tokio::test]
async fn a_transient_bounce_shows_on_the_invitation_but_suppresses_nothing() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, _) = app.org_with_invitee(0, "member", false).await;
    app.ses_reports(Feedback::TransientBounce, &bob.email).await;
    assert_eq!(
        invitation(&app, &alice, &org, &bob.email).await["email_status"],
        "bounced"
    );
    assert_eq!(
        suppressions(&app, &alice, &org).await.json["items"],
        json!([])
    );
    assert_eq!(suppressed_count(&app, &org).await, 0);
    // The admin may try again; nothing resent it on its own.
    assert_eq!(sent_to(&bob.email).await.len(), 1);
    assert_eq!(resend(&app, &alice, &org, &bob.email).await.status, 200);
    deliver_queued(&app, &org).await;
    assert_eq!(sent_to(&bob.email).await.len(), 2);
}

#[tokio::test]
async fn an_event_delivered_twice_is_recorded_once() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, _) = app.org_with_invitee(0, "member", false).await;
    app.ses_reports(Feedback::PermanentBounce, &bob.email).await;
    app.ses_reports(Feedback::PermanentBounce, &bob.email).await;
    app.ses_reports(Feedback::Complaint, &bob.email).await;
    assert_eq!(suppressed_count(&app, &org).await, 1);
    let listed = suppressions(&app, &alice, &org).await;
    assert_eq!(listed.json["items"].as_array().unwrap().len(), 1);
    // The first reason stays.
    assert_eq!(listed.json["items"][0]["reason"], "bounced");
}

#[tokio::test]
async fn a_bounce_of_an_older_mail_leaves_the_resent_invitation_alone() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, _) = app.org_with_invitee(0, "member", false).await;
    let first_tags = app.sent_tags.latest(&bob.email).unwrap();
    assert_eq!(resend(&app, &alice, &org, &bob.email).await.status, 200);
    deliver_queued(&app, &org).await;
    assert_ne!(app.sent_tags.latest(&bob.email).unwrap(), first_tags);

    let message =
        roster_tests::feedback::ses_event(Feedback::TransientBounce, &bob.email, &first_tags);
    app.sns_message(&message.to_string()).await.unwrap();
    assert_eq!(
        invitation(&app, &alice, &org, &bob.email).await["email_status"],
        "sent"
    );
}

#[tokio::test]
async fn mail_queued_before_a_suppression_is_dropped_unsent() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, _) = app.org_with_invitee(0, "member", false).await;
    let first_tags = app.sent_tags.latest(&bob.email).unwrap();
    // A resend is queued, and the first mail's hard bounce arrives before it goes out.
    assert_eq!(resend(&app, &alice, &org, &bob.email).await.status, 200);
    let message =
        roster_tests::feedback::ses_event(Feedback::PermanentBounce, &bob.email, &first_tags);
    app.sns_message(&message.to_string()).await.unwrap();
    assert_eq!(deliver_queued(&app, &org).await, 1);
    assert_eq!(
        sent_to(&bob.email).await.len(),
        1,
        "the queued mail went out"
    );
    // Nothing is left to retry.
    assert_eq!(deliver_queued(&app, &org).await, 0);
}

#[tokio::test]
async fn unreadable_and_foreign_events_are_dropped_and_store_failures_retried() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, _) = app.org_with_invitee(0, "member", false).await;
    let tags = app.sent_tags.latest(&bob.email).unwrap();
    let bounce = |tags: &std::collections::BTreeMap<String, String>| {
        roster_tests::feedback::ses_event(Feedback::PermanentBounce, &bob.email, tags).to_string()
    };
    let mut foreign = tags.clone();
    foreign.retain(|k, _| !k.starts_with("roster-"));
    let mut gone = tags.clone();
    gone.insert("roster-org".into(), roster_tests::slug());
    let mut delivery: Value =
        roster_tests::feedback::ses_event(Feedback::PermanentBounce, &bob.email, &tags);
    delivery["eventType"] = json!("Delivery");
    for message in [
        "not json".to_owned(),
        json!({"eventType": "Bounce"}).to_string(),
        delivery.to_string(),
        bounce(&foreign),
        bounce(&gone),
    ] {
        app.sns_message(&message)
            .await
            .unwrap_or_else(|e| panic!("{message} failed the invocation: {e}"));
    }
    assert_eq!(
        invitation(&app, &alice, &org, &bob.email).await["email_status"],
        "sent"
    );
    assert_eq!(suppressed_count(&app, &org).await, 0);

    // DynamoDB failing: the invocation fails, so Lambda retries it.
    let mut broken = (*app.app).clone();
    broken.store =
        roster::store::Store::new(app.app.store.client().clone(), "no-such-table".into());
    let broken = TestApp {
        app: std::sync::Arc::new(broken),
        ..TestApp::spawn().await
    };
    assert!(broken.sns_message(&bounce(&tags)).await.is_err());
    // The retry, once DynamoDB is back, records it.
    app.sns_message(&bounce(&tags)).await.unwrap();
    assert_eq!(suppressed_count(&app, &org).await, 1);
}

#[tokio::test]
async fn an_org_without_suppressions_pays_no_extra_read_and_one_with_pays_one() {
    let app = TestApp::spawn().await;
    let invite_ten = |org: String, admin: User| {
        let app = &app;
        async move {
            let emails: Vec<String> = (0..10).map(|i| User::new(&format!("p{i}")).email).collect();
            app.calls.reset();
            let resp = Req::post("/orgs/{org}/invitations")
                .org(&org)
                .user(&admin)
                .json(json!({"emails": emails}))
                .send(app, roster::http::routes::invite_members::handle)
                .await;
            assert_eq!(resp.status, 200, "{}", resp.body);
            (app.calls.total(), app.calls.by_operation())
        }
    };
    let (plain_org, plain_admin, _, _) = app.org_with_invitee(0, "member", false).await;
    let (plain, _) = invite_ten(plain_org, plain_admin).await;

    let (org, alice, bob, _) = app.org_with_invitee(0, "member", false).await;
    app.ses_reports(Feedback::Complaint, &bob.email).await;
    let (with, ops) = invite_ten(org, alice).await;
    assert_eq!(with, plain + 1, "{ops:?}");
    assert_eq!(ops.get("BatchGetItem"), Some(&2), "{ops:?}");
}
