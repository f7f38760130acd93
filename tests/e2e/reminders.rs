//! Invitation reminders: one mail on the org's reminder day (5 of 7 unless
//! set), sent by the sweep, with a link of its own; once per generation, so a
//! resend starts again; none after accept or revoke, none when turned off;
//! counted against the daily mail limit. Each test has a table of its own:
//! the sweep works table-wide.

use chrono::Duration;
use roster::domain::Limits;
use roster::http::routes::{preview_invitation, revoke_invitation, update_org};
use roster::ops::sweep::{SweepReport, sweep};
use roster_tests::feedback::Feedback;
use roster_tests::mail::{deliver_queued, sent_to, token_in};
use roster_tests::{Req, Resp, TestApp, User};

const DAY: i64 = 86_400;

/// Moves the clock by `secs` and runs the sweep once.
async fn sweep_after(app: &TestApp, secs: i64) -> SweepReport {
    app.clock.advance(Duration::seconds(secs));
    sweep(&app.app).await.expect("sweep")
}

async fn invite(app: &TestApp, admin: &User, org: &str, who: &User) -> String {
    let resp = app.invite(admin, org, &[&who.email], "member", false).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    resp.json["results"][0]["invitation_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Subjects of the mail `who` received, oldest first.
async fn subjects(who: &User) -> Vec<String> {
    sent_to(&who.email)
        .await
        .into_iter()
        .map(|m| m.subject)
        .collect()
}

/// `who`'s pending invitation as the admin's listing shows it.
async fn listed_invitation(
    app: &TestApp,
    admin: &User,
    org: &str,
    who: &User,
) -> serde_json::Value {
    let listed = app.invitations(admin, org, "pending").await;
    listed.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["email"] == who.email.as_str())
        .unwrap_or_else(|| panic!("{} is not listed: {}", who.email, listed.body))
        .clone()
}

async fn patch_reminder_day(app: &TestApp, who: &User, org: &str, day: i64) -> Resp {
    Req::patch("/orgs/{org}")
        .org(org)
        .user(who)
        .json(serde_json::json!({"invitation_reminder_day": day}))
        .send(app, update_org::handle)
        .await
}

async fn set_reminder_day(app: &TestApp, admin: &User, org: &str, day: i64) {
    let resp = patch_reminder_day(app, admin, org, day).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(resp.json["invitation_reminder_day"], day);
}

#[tokio::test]
async fn an_invitee_is_reminded_once_on_day_five_and_either_link_works_once() {
    let app = TestApp::isolated().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let bob = User::new("bob");
    invite(&app, &alice, &org, &bob).await;
    assert_eq!(deliver_queued(&app, &org).await, 1);
    let listed = app.invitations(&alice, &org, "pending").await;
    let due = listed.json["items"][0]["reminder_at"]
        .as_str()
        .unwrap()
        .to_owned();

    assert_eq!(
        sweep_after(&app, 5 * DAY - 60).await.reminders_sent,
        0,
        "not before day 5"
    );
    app.calls.reset();
    assert_eq!(sweep_after(&app, 120).await.reminders_sent, 1);
    // The due-index queries of every sweep, then for the reminder: its org's
    // settings (one read per org per run) and one transaction.
    let queries = 6 * roster::store::keys::DUE_SHARDS as usize;
    assert_eq!(
        app.calls.total(),
        queries + 2,
        "{:?}",
        app.calls.by_operation()
    );
    assert_eq!(deliver_queued(&app, &org).await, 1);
    let mails = sent_to(&bob.email).await;
    assert_eq!(mails.len(), 2);
    assert!(
        mails[1].subject.starts_with("Reminder:"),
        "{}",
        mails[1].subject
    );
    let first = token_in(&mails[0].body).expect("the first link");
    let reminder = token_in(&mails[1].body).expect("the reminder's link");
    assert_ne!(first, reminder, "the reminder has a link of its own");

    // Once: later sweeps find nothing due, and the listing says it is sent.
    assert_eq!(sweep_after(&app, 3_600).await.reminders_sent, 0);
    assert_eq!(deliver_queued(&app, &org).await, 0);
    let listed = app.invitations(&alice, &org, "pending").await;
    assert_eq!(
        listed.json["items"][0]["reminder_at"],
        serde_json::Value::Null,
        "was {due}"
    );

    // The first mail's link still works; accepting with the reminder's kills both.
    let preview = Req::post("/invitations/preview")
        .user(&bob)
        .json(serde_json::json!({"token": first}))
        .send(&app, preview_invitation::handle)
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert_eq!(app.accept(&bob, &reminder).await.status, 200);
    assert_eq!(app.accept(&bob, &first).await.status, 404);
    assert_eq!(subjects(&bob).await.len(), 2);
}

#[tokio::test]
async fn a_resend_schedules_one_more_reminder_at_its_own_day_five() {
    let app = TestApp::isolated().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let bob = User::new("bob");
    let id = invite(&app, &alice, &org, &bob).await;
    deliver_queued(&app, &org).await;
    assert_eq!(sweep_after(&app, 5 * DAY + 60).await.reminders_sent, 1);
    deliver_queued(&app, &org).await;

    let old_reminder = token_in(&sent_to(&bob.email).await[1].body).unwrap();
    let resent = app.resend_after_cooldown(&alice, &org, &id).await;
    assert_eq!(resent.status, 200, "{}", resent.body);
    deliver_queued(&app, &org).await;
    assert_eq!(
        app.accept(&bob, &old_reminder).await.status,
        404,
        "a resend kills the old reminder's link too"
    );
    assert_eq!(
        sweep_after(&app, 4 * DAY).await.reminders_sent,
        0,
        "day 4 of the new generation"
    );
    assert_eq!(sweep_after(&app, DAY).await.reminders_sent, 1, "its day 5");
    deliver_queued(&app, &org).await;
    assert_eq!(sweep_after(&app, DAY).await.reminders_sent, 0);
    let subjects = subjects(&bob).await;
    let reminders = subjects
        .iter()
        .filter(|s| s.starts_with("Reminder:"))
        .count();
    assert_eq!((subjects.len(), reminders), (4, 2), "{subjects:?}");
}

#[tokio::test]
async fn no_reminder_after_accept_or_revoke() {
    let app = TestApp::isolated().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let (bob, carol) = (User::new("bob"), User::new("carol"));
    invite(&app, &alice, &org, &bob).await;
    let carols = invite(&app, &alice, &org, &carol).await;
    deliver_queued(&app, &org).await;
    let token = token_in(&sent_to(&bob.email).await[0].body).unwrap();
    assert_eq!(app.accept(&bob, &token).await.status, 200);
    let revoked = Req::delete("/orgs/{org}/invitations/{id}")
        .org(&org)
        .param("id", &carols)
        .user(&alice)
        .send(&app, revoke_invitation::handle)
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);

    let report = sweep_after(&app, 5 * DAY + 60).await;
    assert_eq!((report.reminders_sent, report.reminders_skipped), (0, 0));
    assert_eq!(deliver_queued(&app, &org).await, 0);
    assert_eq!(subjects(&bob).await.len(), 1);
    assert_eq!(subjects(&carol).await.len(), 1);
}

#[tokio::test]
async fn the_org_chooses_the_day_or_none_and_turning_them_off_skips_those_pending() {
    let app = TestApp::isolated().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let (bob, carol, dave) = (User::new("bob"), User::new("carol"), User::new("dave"));
    set_reminder_day(&app, &alice, &org, 3).await;
    invite(&app, &alice, &org, &bob).await;
    deliver_queued(&app, &org).await;
    assert_eq!(
        sweep_after(&app, 3 * DAY + 60).await.reminders_sent,
        1,
        "day 3"
    );
    deliver_queued(&app, &org).await;
    assert_eq!(subjects(&bob).await.len(), 2);

    set_reminder_day(&app, &alice, &org, 0).await;
    invite(&app, &alice, &org, &carol).await;
    deliver_queued(&app, &org).await;
    let carols = listed_invitation(&app, &alice, &org, &carol).await;
    assert_eq!(
        carols["reminder_at"],
        serde_json::Value::Null,
        "none scheduled"
    );
    let report = sweep_after(&app, 6 * DAY + 60).await;
    assert_eq!((report.reminders_sent, report.reminders_skipped), (0, 0));

    // Turned off after the invitation was sent: its due reminder is skipped.
    set_reminder_day(&app, &alice, &org, 5).await;
    invite(&app, &alice, &org, &dave).await;
    deliver_queued(&app, &org).await;
    set_reminder_day(&app, &alice, &org, 0).await;
    let daves = listed_invitation(&app, &alice, &org, &dave).await;
    assert_eq!(
        daves["reminder_at"],
        serde_json::Value::Null,
        "off: none is due"
    );
    let report = sweep_after(&app, 5 * DAY + 60).await;
    assert_eq!((report.reminders_sent, report.reminders_skipped), (0, 1));
    assert_eq!(subjects(&carol).await.len(), 1);
    assert_eq!(subjects(&dave).await.len(), 1);

    let refused = patch_reminder_day(&app, &alice, &org, 7).await;
    assert_eq!(refused.status, 400, "{}", refused.body);

    // Billing managers manage seats, not invitations: not theirs to set.
    let bill = User::new("bill");
    app.enroll(&org, &bill, "billing_manager", false).await;
    let forbidden = patch_reminder_day(&app, &bill, &org, 2).await;
    assert_eq!(forbidden.status, 403, "{}", forbidden.body);
}

#[tokio::test]
async fn a_reminder_that_would_exceed_the_daily_mail_limit_is_not_sent() {
    let limits = Limits {
        invitations_per_org_per_day: 2,
        ..Limits::default()
    };
    let app = TestApp::isolated_with_limits(limits).await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let (bob, carol, dave) = (User::new("bob"), User::new("carol"), User::new("dave"));
    invite(&app, &alice, &org, &bob).await;
    invite(&app, &alice, &org, &carol).await;
    deliver_queued(&app, &org).await;
    // Day 5: a new invitation takes one of the day's two mails; one reminder
    // fits, the other is dropped (not retried: invitations come first).
    app.clock.advance(Duration::seconds(5 * DAY + 60));
    invite(&app, &alice, &org, &dave).await;
    let report = sweep(&app.app).await.unwrap();
    assert_eq!((report.reminders_sent, report.reminders_skipped), (1, 1));
    assert_eq!(sweep_after(&app, DAY).await.reminders_sent, 0);
}

#[tokio::test]
async fn no_reminder_when_the_first_mail_bounced() {
    let app = TestApp::isolated().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let bob = User::new("bob");
    invite(&app, &alice, &org, &bob).await;
    deliver_queued(&app, &org).await;
    app.ses_reports(Feedback::TransientBounce, &bob.email).await;
    let report = sweep_after(&app, 5 * DAY + 60).await;
    assert_eq!((report.reminders_sent, report.reminders_skipped), (0, 1));
    assert_eq!(deliver_queued(&app, &org).await, 0);
}

#[tokio::test]
async fn an_unreadable_invitation_due_a_reminder_never_stops_the_sweep() {
    let app = TestApp::isolated().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let bob = User::new("bob");
    invite(&app, &alice, &org, &bob).await;
    deliver_queued(&app, &org).await;
    // An item under an invitation key, due a reminder, that is not an
    // invitation Roster wrote.
    let slug = roster::domain::OrgSlug::parse(&org).unwrap();
    let email = roster::domain::Email::parse("mangled@example.com").unwrap();
    let mut item = roster::store::invitations::invitation_key(&slug, &email);
    let s = |v: &str| aws_sdk_dynamodb::types::AttributeValue::S(v.to_owned());
    item.insert("type".into(), s("invitation"));
    item.insert("gsi2pk".into(), s("DUE#REMIND#0"));
    item.insert("gsi2sk".into(), s("000000000001#mangled"));
    item.insert(
        "remind_at".into(),
        aws_sdk_dynamodb::types::AttributeValue::N("1".into()),
    );
    app.app
        .store
        .client()
        .put_item()
        .table_name(app.app.store.table())
        .set_item(Some(item))
        .send()
        .await
        .unwrap();

    let report = sweep_after(&app, 5 * DAY + 60).await;
    assert_eq!(
        (report.reminders_sent, report.reminders_failed),
        (1, 1),
        "{report:?}"
    );
    let again = sweep_after(&app, 60).await;
    assert_eq!(again.reminders_failed, 0, "taken out of the reminder index");
}
