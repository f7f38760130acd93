//! Mail loops around the limits, driven the way an admin abusing Roster would:
//! revoke and re-invite one address, assign and revoke one member's seat,
//! clear a complaint as soon as it lands. Each loop mails its victim at most
//! once per cooldown, counted in what the emulator's SES received; seat mails
//! count against the org's daily mail limit; SES's account-level suppression
//! list backs the per-org one.

use chrono::Duration;
use roster::domain::{Email, Limits, OrgSlug};
use roster::http::routes::*;
use roster::store::invitations;
use roster_tests::mail::{deliver_queued, sent_to};
use roster_tests::{Req, Resp, TestApp, User, address_id};
use serde_json::{Value, json};

fn outcome(resp: &Resp) -> &str {
    resp.json["results"][0]["outcome"].as_str().unwrap_or("")
}

async fn revoke(app: &TestApp, admin: &User, org: &str, email: &str) -> Resp {
    Req::delete("/orgs/{org}/invitations/{id}")
        .org(org)
        .param("id", &address_id(email))
        .user(admin)
        .send(app, revoke_invitation::handle)
        .await
}

fn assert_limited(resp: &Resp, limit: &str) -> u64 {
    assert_eq!(resp.status, 429, "{}", resp.body);
    assert_eq!(resp.code(), "limit_exceeded", "{}", resp.body);
    assert_eq!(resp.json["limit"], limit, "{}", resp.body);
    let retry = resp.json["retry_after"].as_u64().expect("retry_after");
    assert_eq!(
        resp.headers["retry-after"].to_str().unwrap(),
        retry.to_string()
    );
    retry
}

#[tokio::test]
async fn five_invite_revoke_cycles_mail_an_address_once_per_cooldown() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let victim = User::new("victim").email;
    for cycle in 0..5 {
        app.calls.reset();
        let invited = app.invite(&alice, &org, &[&victim], "member", false).await;
        assert_eq!(invited.status, 200, "{}", invited.body);
        let expected = if cycle == 0 { "invited" } else { "cooldown" };
        assert_eq!(
            outcome(&invited),
            expected,
            "cycle {cycle}: {}",
            invited.body
        );
        if cycle > 0 {
            assert_eq!(invited.json["summary"]["cooldown"], 1, "{}", invited.body);
            // The revoked marker comes with the invitation lookup: one read.
            assert_eq!(app.calls.total(), 1, "{:?}", app.calls.by_operation());
        }
        deliver_queued(&app, &org).await;
        let revoked = revoke(&app, &alice, &org, &victim).await;
        // Only the first cycle made an invitation to revoke.
        let status = if cycle == 0 { 204 } else { 404 };
        assert_eq!(revoked.status, status, "cycle {cycle}: {}", revoked.body);
        app.clock.advance(Duration::minutes(5));
    }
    assert_eq!(sent_to(&victim).await.len(), 1);

    // Once the cooldown of the last mail has passed, the address is invited
    // and mailed again: two mails in all.
    app.clock.advance(Duration::hours(1));
    let invited = app.invite(&alice, &org, &[&victim], "member", false).await;
    assert_eq!(outcome(&invited), "invited", "{}", invited.body);
    deliver_queued(&app, &org).await;
    assert_eq!(sent_to(&victim).await.len(), 2);
}

#[tokio::test]
async fn a_revoke_after_the_cooldown_leaves_no_marker_and_a_resend_restarts_the_cooldown() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let victim = User::new("victim").email;
    app.invite(&alice, &org, &[&victim], "member", false).await;
    deliver_queued(&app, &org).await;
    // An hour later the invitation is resent (a mail), then revoked at once:
    // the cooldown now runs from the resend.
    let resent = app
        .resend_after_cooldown(&alice, &org, &address_id(&victim))
        .await;
    assert_eq!(resent.status, 200, "{}", resent.body);
    deliver_queued(&app, &org).await;
    assert_eq!(revoke(&app, &alice, &org, &victim).await.status, 204);
    let again = app.invite(&alice, &org, &[&victim], "member", false).await;
    assert_eq!(outcome(&again), "cooldown", "{}", again.body);
    // A dry run says the same; no listing shows the marker as an invitation.
    let dry = Req::post("/orgs/{org}/invitations")
        .org(&org)
        .user(&alice)
        .query("dry_run", "true")
        .json(json!({"emails": [victim]}))
        .send(&app, invite_members::handle)
        .await;
    assert_eq!(outcome(&dry), "cooldown", "{}", dry.body);
    let listed = app.invitations(&alice, &org, "all").await;
    assert_eq!(listed.json["items"], json!([]), "{}", listed.body);
    // Revoking it again finds nothing to revoke.
    assert_eq!(revoke(&app, &alice, &org, &victim).await.status, 404);

    // Past the cooldown: invited again, then revoked outside its own
    // cooldown (deleted, no marker), and invited again at once.
    app.clock.advance(Duration::hours(1) + Duration::seconds(1));
    let invited = app.invite(&alice, &org, &[&victim], "member", false).await;
    assert_eq!(outcome(&invited), "invited", "{}", invited.body);
    deliver_queued(&app, &org).await;
    app.clock.advance(Duration::hours(1) + Duration::seconds(1));
    assert_eq!(revoke(&app, &alice, &org, &victim).await.status, 204);
    let invited = app.invite(&alice, &org, &[&victim], "member", false).await;
    assert_eq!(outcome(&invited), "invited", "{}", invited.body);
    deliver_queued(&app, &org).await;
    assert_eq!(
        sent_to(&victim).await.len(),
        4,
        "invite, resend, two invites"
    );
}

#[tokio::test]
async fn an_invite_that_read_before_a_revoke_cannot_write_over_its_marker() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let victim = User::new("victim").email;
    app.invite(&alice, &org, &[&victim], "member", false).await;
    assert_eq!(revoke(&app, &alice, &org, &victim).await.status, 204);
    // A concurrent invite that looked the address up before the revoke, and
    // so saw neither invitation nor marker, writes a new invitation: the
    // write's own condition refuses it.
    let stale = roster::domain::Invitation {
        org: OrgSlug::parse(&org).unwrap(),
        email: Email::parse(&victim).unwrap(),
        role: roster::domain::Role::Member,
        seat: false,
        invited_by: Email::parse(&alice.email).unwrap(),
        invited_by_id: Some(roster::domain::UserId::parse(&alice.sub).unwrap()),
        created_at: app.clock_now(),
        expires_at: roster::domain::invitation::expires_at(app.clock_now()),
        generation: 1,
        token_hash: None,
        reminder_hash: None,
        remind_at: None,
        email_status: roster::domain::EmailStatus::Queued,
    };
    let mut tx = roster::store::Transaction::new();
    tx.push("invitation", invitations::create(&stale, app.clock_now()));
    let err = app.app.store.transact(tx).await.unwrap_err();
    assert!(err.failed("invitation"), "{err:?}");
}

async fn seat(app: &TestApp, org: &str, admin: &User, who: &User) -> Resp {
    Req::put("/orgs/{org}/members/{user_id}/seat")
        .org(org)
        .param("user_id", &who.sub)
        .user(admin)
        .send(app, assign_seat::handle)
        .await
}

async fn unseat(app: &TestApp, org: &str, admin: &User, who: &User) -> Resp {
    Req::delete("/orgs/{org}/members/{user_id}/seat")
        .org(org)
        .param("user_id", &who.sub)
        .user(admin)
        .send(app, revoke_seat::handle)
        .await
}

async fn seat_mails(email: &str) -> usize {
    sent_to(email)
        .await
        .iter()
        .filter(|m| m.subject.contains("You have a seat"))
        .count()
}

#[tokio::test]
async fn five_seat_assign_revoke_cycles_mail_the_member_once_per_cooldown() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 1).await;
    let bob = User::new("bob");
    app.add_member(&admin, &org, &bob, "member", false).await;
    for cycle in 0..5 {
        let seated = seat(&app, &org, &admin, &bob).await;
        assert_eq!(seated.status, 200, "cycle {cycle}: {}", seated.body);
        assert!(seated.json["seat"]["assigned_at"].is_string());
        deliver_queued(&app, &org).await;
        assert_eq!(unseat(&app, &org, &admin, &bob).await.status, 204);
        app.clock.advance(Duration::minutes(5));
    }
    assert_eq!(seat_mails(&bob.email).await, 1);
    // The audit log tells the assignments that mailed from those that did not.
    let audit = Req::get("/orgs/{org}/audit")
        .org(&org)
        .user(&admin)
        .send(&app, list_audit_events::handle)
        .await;
    let mailed: Vec<Value> = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "seat.assigned")
        .map(|e| e["detail"]["mailed"].clone())
        .collect();
    assert_eq!(mailed.len(), 5, "{}", audit.body);
    assert_eq!(mailed.iter().filter(|m| **m == json!(true)).count(), 1);

    // Past the cooldown, the next seat mails again: two in all.
    app.clock.advance(Duration::hours(1));
    assert_eq!(seat(&app, &org, &admin, &bob).await.status, 200);
    deliver_queued(&app, &org).await;
    assert_eq!(seat_mails(&bob.email).await, 2);
}

#[tokio::test]
async fn a_member_who_joined_with_a_seat_is_not_mailed_again_by_a_quick_reassignment() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 1).await;
    let bob = User::new("bob");
    app.add_member(&admin, &org, &bob, "member", true).await;
    deliver_queued(&app, &org).await;
    assert_eq!(
        seat_mails(&bob.email).await,
        1,
        "the seat came with the invitation"
    );
    assert_eq!(unseat(&app, &org, &admin, &bob).await.status, 204);
    assert_eq!(seat(&app, &org, &admin, &bob).await.status, 200);
    deliver_queued(&app, &org).await;
    assert_eq!(seat_mails(&bob.email).await, 1);
}

#[tokio::test]
async fn seat_mails_count_against_the_daily_mail_limit() {
    let app = TestApp::with_limits(Limits {
        invitations_per_org_per_day: 5,
        ..Limits::default()
    })
    .await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 5).await;
    let people: Vec<User> = (0..3).map(|i| User::new(&format!("p{i}"))).collect();
    // Three invitation mails, then two seat mails: the day's five.
    for p in &people {
        app.add_member(&admin, &org, p, "member", false).await;
    }
    for p in &people[..2] {
        assert_eq!(seat(&app, &org, &admin, p).await.status, 200);
    }
    let full = seat(&app, &org, &admin, &people[2]).await;
    let retry = assert_limited(&full, "invitations_per_org_per_day");
    assert!(retry <= 86_400);
    // Nothing was assigned or queued; invitations are refused as well.
    let member = Req::get("/orgs/{org}/members/{user_id}")
        .org(&org)
        .param("user_id", &people[2].sub)
        .user(&admin)
        .send(&app, get_member::handle)
        .await;
    assert_eq!(member.json["seat"], Value::Null, "{}", member.body);
    assert_eq!(deliver_queued(&app, &org).await, 2);
    let invite = app
        .invite(&admin, &org, &["late@example.com"], "member", false)
        .await;
    assert_limited(&invite, "invitations_per_org_per_day");

    // The next UTC day the seat goes through.
    app.clock.advance(Duration::days(1));
    assert_eq!(seat(&app, &org, &admin, &people[2]).await.status, 200);
    assert_eq!(deliver_queued(&app, &org).await, 1);
}

async fn clear(app: &TestApp, admin: &User, org: &str, email: &str, body: Option<Value>) -> Resp {
    let req = Req::delete("/orgs/{org}/suppressions/{id}")
        .org(org)
        .param("id", &address_id(email))
        .user(admin);
    let req = match body {
        Some(body) => req.json(body),
        None => req,
    };
    req.send(app, clear_suppression::handle).await
}

#[tokio::test]
async fn a_complaint_cannot_be_cleared_without_a_reason_or_twice_in_30_days() {
    use roster_tests::feedback::Feedback;
    let app = TestApp::spawn().await;
    let (org, alice, bob, _) = app.org_with_invitee(0, "member", false).await;
    app.ses_reports(Feedback::Complaint, &bob.email).await;

    for body in [None, Some(json!({})), Some(json!({"reason": "   "}))] {
        let refused = clear(&app, &alice, &org, &bob.email, body.clone()).await;
        assert_eq!(refused.status, 400, "{body:?}: {}", refused.body);
        assert_eq!(
            refused.json["errors"][0]["field"], "reason",
            "{}",
            refused.body
        );
    }
    let long = clear(
        &app,
        &alice,
        &org,
        &bob.email,
        Some(json!({"reason": "x".repeat(501)})),
    )
    .await;
    assert_eq!(long.status, 400, "{}", long.body);
    let why = "She called and asked to be invited again.";
    let cleared = clear(&app, &alice, &org, &bob.email, Some(json!({"reason": why}))).await;
    assert_eq!(cleared.status, 204, "{}", cleared.body);
    let audit = Req::get("/orgs/{org}/audit")
        .org(&org)
        .user(&alice)
        .send(&app, list_audit_events::handle)
        .await;
    let entry = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "suppression.cleared")
        .cloned()
        .unwrap_or_else(|| panic!("no suppression.cleared entry: {}", audit.body));
    assert_eq!(entry["detail"]["clear_reason"], why);
    assert_eq!(entry["detail"]["reason"], "complained");

    // Mailed again, she complains again: this time the admin cannot clear it
    // for 30 days from the first clear.
    let resent = app
        .resend_after_cooldown(&alice, &org, &address_id(&bob.email))
        .await;
    assert_eq!(resent.status, 200, "{}", resent.body);
    deliver_queued(&app, &org).await;
    app.ses_reports(Feedback::Complaint, &bob.email).await;
    let again = clear(&app, &alice, &org, &bob.email, Some(json!({"reason": why}))).await;
    let retry = assert_limited(&again, "complaint_clear_interval");
    assert!(
        (29 * 86_400..=30 * 86_400).contains(&retry),
        "{retry}: about 30 days"
    );
    let listed = Req::get("/orgs/{org}/suppressions")
        .org(&org)
        .user(&alice)
        .send(&app, list_suppressions::handle)
        .await;
    assert_eq!(listed.json["items"].as_array().unwrap().len(), 1);

    app.clock.advance(Duration::seconds(retry as i64));
    let later = clear(&app, &alice, &org, &bob.email, Some(json!({"reason": why}))).await;
    assert_eq!(later.status, 204, "{}", later.body);
}

#[tokio::test]
async fn a_bounce_is_cleared_without_a_reason_as_often_as_needed() {
    use roster_tests::feedback::Feedback;
    let app = TestApp::spawn().await;
    let (org, alice, bob, _) = app.org_with_invitee(0, "member", false).await;
    for _ in 0..2 {
        app.ses_reports(Feedback::PermanentBounce, &bob.email).await;
        let cleared = clear(&app, &alice, &org, &bob.email, None).await;
        assert_eq!(cleared.status, 204, "{}", cleared.body);
        let resent = app
            .resend_after_cooldown(&alice, &org, &address_id(&bob.email))
            .await;
        assert_eq!(resent.status, 200, "{}", resent.body);
        deliver_queued(&app, &org).await;
    }
}

#[test]
fn ses_suppresses_bounced_and_complaining_addresses_across_every_org() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/template.yaml");
    let template: serde_norway::Value =
        serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let set = &template["Resources"]["MailConfigurationSet"];
    assert_eq!(set["Type"].as_str(), Some("AWS::SES::ConfigurationSet"));
    let reasons: Vec<&str> = set["Properties"]["SuppressionOptions"]["SuppressedReasons"]
        .as_sequence()
        .expect("SuppressionOptions.SuppressedReasons")
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    assert_eq!(reasons, ["BOUNCE", "COMPLAINT"]);
}
