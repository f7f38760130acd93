//! Abuse limits, driven the way a spammer would: new orgs, bulk
//! invites, resend loops, token churn. Each limit stops the run where it
//! should, with `429 limit_exceeded`, the limit's name and `Retry-After`, and
//! the mail that actually reached the (emulated) SES is counted.

use chrono::Duration;
use roster::domain::Limits;
use roster::http::routes::*;
use roster_tests::mail::{deliver_queued, sent_count_containing};
use roster_tests::{Req, Resp, TestApp, User, slug};
use serde_json::json;

/// Small limits, so the scenario stays fast; the defaults are documented.
const LIMITS: Limits = Limits {
    invitations_per_org_per_day: 40,
    pending_invitations_per_org: 60,
    resend_cooldown_secs: 3_600,
    orgs_per_user_per_day: 2,
    tokens_per_member_per_day: 3,
    complaint_clear_interval_secs: 30 * 86_400,
};

fn assert_limited(resp: &Resp, limit: &str) -> u64 {
    assert_eq!(resp.status, 429, "{}", resp.body);
    assert_eq!(resp.content_type, "application/problem+json");
    assert_eq!(resp.code(), "limit_exceeded", "{}", resp.body);
    assert_eq!(resp.json["limit"], limit, "{}", resp.body);
    let retry = resp.json["retry_after"].as_u64().expect("retry_after");
    let header: u64 = resp.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(header, retry);
    assert!(retry >= 1);
    retry
}

async fn create_org(app: &TestApp, user: &User, seats: u32) -> (String, Resp) {
    let slug = slug();
    let resp = Req::post("/orgs")
        .user(user)
        .json(json!({"slug": slug, "name": "Totally Legit", "seat_limit": seats}))
        .send(app, create_org::handle)
        .await;
    (slug, resp)
}

fn victims(tag: &str, from: usize, n: usize) -> String {
    let mut csv = String::from("email\n");
    for i in from..from + n {
        csv.push_str(&format!("victim{i}-{tag}@example.net\n"));
    }
    csv
}

async fn upload(app: &TestApp, user: &User, org: &str, csv: String, dry_run: bool) -> Resp {
    let mut req = Req::post("/orgs/{org}/invitations").org(org).user(user);
    if dry_run {
        req = req.query("dry_run", "true");
    }
    req.csv(csv).send(app, invite_members::handle).await
}

async fn resend(app: &TestApp, user: &User, org: &str, id: &str) -> Resp {
    Req::post("/orgs/{org}/invitations/{id}/resend")
        .org(org)
        .param("id", id)
        .user(user)
        .send(app, resend_invitation::handle)
        .await
}

fn limit<'a>(resp: &'a Resp, name: &str) -> &'a serde_json::Value {
    resp.json["limits"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["limit"] == name))
        .unwrap_or_else(|| panic!("no {name} in {}", resp.body))
}

#[tokio::test]
async fn a_spam_run_is_stopped_by_each_limit_and_sends_only_what_they_allow() {
    let app = TestApp::with_limits(LIMITS).await;
    let spammer = User::new("spammer");
    let tag = &slug()[2..];
    let mut delivered = 0;

    // New orgs: two a day, the third is refused until midnight UTC.
    let (org, first) = create_org(&app, &spammer, 0).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let (org_b, second) = create_org(&app, &spammer, 1).await;
    assert_eq!(second.status, 201, "{}", second.body);
    let (_, third) = create_org(&app, &spammer, 0).await;
    let retry = assert_limited(&third, "orgs_per_user_per_day");
    assert!(retry <= 86_400);

    // Bulk invites: the dry run says the daily limit would refuse 50 rows...
    let dry = upload(&app, &spammer, &org, victims(tag, 0, 50), true).await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    let daily = limit(&dry, "invitations_per_org_per_day");
    assert_eq!(daily["would_refuse"], true, "{daily}");
    assert_eq!(
        (daily["max"].as_u64(), daily["requested"].as_u64()),
        (Some(40), Some(50))
    );
    assert_eq!(
        limit(&dry, "pending_invitations_per_org")["would_refuse"],
        false
    );
    // ...and the upload is refused whole: nothing written, nothing sent.
    let over = upload(&app, &spammer, &org, victims(tag, 0, 50), false).await;
    assert_limited(&over, "invitations_per_org_per_day");
    assert_eq!(deliver_queued(&app, &org).await, 0);
    // 40 fit; the 41st that day does not.
    let ok = upload(&app, &spammer, &org, victims(tag, 0, 40), false).await;
    assert_eq!(ok.json["summary"]["invited"], 40, "{}", ok.body);
    let first_id = ok.json["results"][0]["invitation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    delivered += deliver_queued(&app, &org).await;
    let one_more = upload(&app, &spammer, &org, victims(tag, 40, 1), false).await;
    assert_limited(&one_more, "invitations_per_org_per_day");

    // Resend loop: the invitation went out moments ago, so every resend in
    // the next hour is refused (and says when the next one can go).
    for _ in 0..10 {
        let retry = assert_limited(
            &resend(&app, &spammer, &org, &first_id).await,
            "resend_cooldown",
        );
        assert!((3_500..=3_600).contains(&retry), "{retry}");
    }
    assert_eq!(deliver_queued(&app, &org).await, 0);

    // The next day: 40 are still open, so the pending limit (60) lets 20 more in.
    app.clock.advance(Duration::days(1));
    let pending = upload(&app, &spammer, &org, victims(tag, 40, 30), false).await;
    assert_limited(&pending, "pending_invitations_per_org");
    let twenty = upload(&app, &spammer, &org, victims(tag, 40, 20), false).await;
    assert_eq!(twenty.json["summary"]["invited"], 20, "{}", twenty.body);
    delivered += deliver_queued(&app, &org).await;
    let full = upload(&app, &spammer, &org, victims(tag, 60, 1), true).await;
    assert_eq!(
        limit(&full, "pending_invitations_per_org")["would_refuse"],
        true
    );

    // A day after the first mail the cooldown has passed: one resend, then
    // the loop is stopped again.
    let resent = resend(&app, &spammer, &org, &first_id).await;
    assert_eq!(resent.status, 200, "{}", resent.body);
    for _ in 0..5 {
        assert_limited(
            &resend(&app, &spammer, &org, &first_id).await,
            "resend_cooldown",
        );
    }
    delivered += deliver_queued(&app, &org).await;

    // Revoking frees an open slot: exactly one more invitation fits.
    let revoked = Req::delete("/orgs/{org}/invitations/{id}")
        .org(&org)
        .param("id", &first_id)
        .user(&spammer)
        .send(&app, revoke_invitation::handle)
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    let refill = upload(&app, &spammer, &org, victims(tag, 60, 1), false).await;
    assert_eq!(refill.json["summary"]["invited"], 1, "{}", refill.body);
    assert_limited(
        &upload(&app, &spammer, &org, victims(tag, 61, 1), false).await,
        "pending_invitations_per_org",
    );
    delivered += deliver_queued(&app, &org).await;

    // Token churn: three a day per member, then refused.
    let holder = User::new("holder");
    app.add_member(&spammer, &org_b, &holder, "member", true)
        .await;
    for i in 0..3 {
        let token = Req::post("/orgs/{org}/tokens")
            .org(&org_b)
            .user(&holder)
            .json(json!({"name": format!("t{i}")}))
            .send(&app, issue_token::handle)
            .await;
        assert_eq!(token.status, 201, "{}", token.body);
    }
    let fourth = Req::post("/orgs/{org}/tokens")
        .org(&org_b)
        .user(&holder)
        .json(json!({"name": "t3"}))
        .send(&app, issue_token::handle)
        .await;
    assert_limited(&fourth, "tokens_per_member_per_day");

    // What reached SES: 40 + 20 invitations, 1 resend, 1 after the revoke.
    assert_eq!(delivered, 62);
    assert_eq!(sent_count_containing(tag).await, 62);
    eprintln!(
        "spam run: orgs stopped at 3rd (orgs_per_user_per_day=2); bulk 50 refused whole and 41st \
         refused (invitations_per_org_per_day=40); 10+5 resends refused (resend_cooldown=3600s), 1 \
         allowed after a day; day 2 stopped at 60 open (pending_invitations_per_org=60), 1 more \
         after a revoke; 4th token refused (tokens_per_member_per_day=3); mails sent: {delivered}"
    );
}

#[tokio::test]
async fn defaults_let_a_ten_thousand_person_org_onboard_in_one_upload() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 0).await;
    let dry = upload(&app, &admin, &org, victims("onboard", 0, 10_000), true).await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    for name in ["invitations_per_org_per_day", "pending_invitations_per_org"] {
        let check = limit(&dry, name);
        assert_eq!(check["would_refuse"], false, "{check}");
        assert_eq!(check["requested"], 10_000, "{check}");
    }
}
