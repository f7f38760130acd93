//! The scheduled sweep: mail retries with backoff, giving up visibly, and
//! deleting invitations past their TTL. Each test has a table of its own:
//! the sweep works table-wide.

use chrono::Duration;
use roster::domain::outbox::MAX_ATTEMPTS;
use roster::http::routes::{list_invitations, resend_invitation};
use roster::ops::sweep::sweep;
use roster_tests::mail::{deliver_queued, sent_to};
use roster_tests::{Req, TestApp, User};

/// The same app, sending from an address SES has not verified: every send fails.
async fn with_broken_mail(app: &TestApp) -> TestApp {
    let mut broken = TestApp::spawn_with_sender("unverified@nowhere.test").await;
    let mut inner = (*broken.app).clone();
    inner.store = app.app.store.clone();
    inner.config.table = app.app.config.table.clone();
    inner.clock = app.app.clock.clone();
    broken.app = std::sync::Arc::new(inner);
    broken
}

async fn email_status(app: &TestApp, admin: &User, org: &str) -> String {
    let list = Req::get("/orgs/{org}/invitations")
        .org(org)
        .user(admin)
        .query("status", "all")
        .send(app, list_invitations::handle)
        .await;
    list.json["items"][0]["email_status"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_failed_send_is_retried_by_the_sweep_and_arrives_exactly_once() {
    let app = TestApp::isolated().await;
    let broken = with_broken_mail(&app).await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let bob = User::new("bob");
    app.invite(&alice, &org, &[&bob.email], "member", false)
        .await;

    assert_eq!(deliver_queued(&broken, &org).await, 1);
    assert!(sent_to(&bob.email).await.is_empty());
    assert_eq!(email_status(&app, &alice, &org).await, "queued");

    // Not due yet: the sweep leaves it for later.
    assert_eq!(sweep(&app.app).await.unwrap().mail_sent, 0);
    app.clock.advance(Duration::minutes(2));
    // Two sweeps at once send it once.
    let (a, b) = tokio::join!(sweep(&app.app), sweep(&app.app));
    assert_eq!(a.unwrap().mail_sent + b.unwrap().mail_sent, 1);
    assert_eq!(sent_to(&bob.email).await.len(), 1);
    assert_eq!(email_status(&app, &alice, &org).await, "sent");
    app.clock.advance(Duration::hours(1));
    assert_eq!(sweep(&app.app).await.unwrap().mail_sent, 0);
    assert_eq!(sent_to(&bob.email).await.len(), 1);
}

#[tokio::test]
async fn after_the_last_attempt_the_invitation_shows_failed_until_resent() {
    let app = TestApp::isolated().await;
    let broken = with_broken_mail(&app).await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let bob = User::new("bob");
    let resp = app
        .invite(&alice, &org, &[&bob.email], "member", false)
        .await;
    let id = resp.json["results"][0]["invitation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    deliver_queued(&broken, &org).await;
    for _ in 1..MAX_ATTEMPTS {
        app.clock.advance(Duration::hours(12));
        sweep(&broken.app).await.unwrap();
    }
    assert_eq!(email_status(&app, &alice, &org).await, "failed");
    app.clock.advance(Duration::hours(12));
    let report = sweep(&app.app).await.unwrap();
    assert_eq!(report.mail_sent, 0, "a message that gave up is not retried");

    let resent = Req::post("/orgs/{org}/invitations/{id}/resend")
        .org(&org)
        .param("id", &id)
        .user(&alice)
        .send(&app, resend_invitation::handle)
        .await;
    assert_eq!(resent.json["email_status"], "queued");
    deliver_queued(&app, &org).await;
    assert_eq!(sent_to(&bob.email).await.len(), 1);
    assert_eq!(email_status(&app, &alice, &org).await, "sent");
}

#[tokio::test]
async fn invitations_past_their_ttl_are_deleted_and_only_those() {
    let app = TestApp::isolated().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    app.invite(&alice, &org, &["old@example.com"], "member", false)
        .await;
    deliver_queued(&app, &org).await;
    app.clock.advance(Duration::days(20));
    app.invite(&alice, &org, &["new@example.com"], "member", false)
        .await;
    deliver_queued(&app, &org).await;
    // 37 days after the first: 7 to expire, 30 kept visible and resendable.
    app.clock.advance(Duration::days(17) + Duration::seconds(1));
    let report = sweep(&app.app).await.unwrap();
    assert_eq!(report.invitations_deleted, 1);
    let list = app.invitations(&alice, &org, "all").await;
    let emails: Vec<_> = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["email"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(emails, ["new@example.com"]);
    assert_eq!(sweep(&app.app).await.unwrap().invitations_deleted, 0);
}

#[tokio::test]
async fn the_sweep_only_queries_the_due_index() {
    let app = TestApp::isolated().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    app.invite(&alice, &org, &["someone@example.com"], "member", false)
        .await;
    app.calls.reset();
    sweep(&app.app).await.unwrap();
    let calls = app.calls.by_operation();
    assert!(!calls.contains_key("Scan"));
    // One query per shard each for mail, reminders, expiries, expiry
    // digests, expired invitations and webhook retries; nothing due.
    assert_eq!(
        calls.get("Query"),
        Some(&(6 * roster::store::keys::DUE_SHARDS as usize))
    );
    assert_eq!(
        app.calls.total(),
        6 * roster::store::keys::DUE_SHARDS as usize
    );
}
