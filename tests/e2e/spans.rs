//! Log lines are attributable: captured in the functions' own JSON format,
//! every line of a request carries its span (operation, org, target, caller),
//! every line of a delivered stream record and of a sweep run carries theirs,
//! and no email address, JWT or token secret appears in any of them: not at
//! the most verbose level a function can be set to, not in SES's refusals.

use roster::http::routes::{
    accept_invitation, assign_seat, create_org, get_member, introspect_token, invite_members,
    issue_token, list_my_orgs, preview_invitation, resend_invitation, revoke_invitation,
    revoke_token,
};
use roster::http::span::{loggable, traced};
use roster_tests::{Req, Resp, TestApp, User, address_id, mail, slug};
use serde_json::{Value, json};
use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tracing_subscriber::util::SubscriberInitExt;

/// Log output written through `roster::runtime::json_logs`, as deployed.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    /// Captures this thread's log lines (the test runtime is single-threaded)
    /// until the guard drops.
    fn capture(&self) -> lambda_http::tracing::dispatcher::DefaultGuard {
        self.capture_at("info")
    }

    /// Captures as [`Logs::capture`] does, with `RUST_LOG` set to `filter`.
    fn capture_at(&self, filter: &str) -> lambda_http::tracing::dispatcher::DefaultGuard {
        let writer = self.clone();
        roster::runtime::json_logs(roster::runtime::log_filter(Some(filter)), move || {
            writer.clone()
        })
        .set_default()
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).expect("UTF-8 logs")
    }

    fn lines(&self) -> Vec<Value> {
        self.text()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }

    /// The one line with this message and, if given, this status.
    fn line(&self, message: &str, status: Option<u16>) -> Value {
        let found: Vec<Value> = self
            .lines()
            .into_iter()
            .filter(|l| l["fields"]["message"] == message)
            .filter(|l| status.is_none_or(|s| l["fields"]["status"] == s))
            .collect();
        assert_eq!(found.len(), 1, "{message} {status:?} in:\n{}", self.text());
        found.into_iter().next().unwrap()
    }

    /// No email address, JWT or token secret, in any form.
    fn assert_nothing_secret(&self, also: &[&str]) {
        let text = self.text();
        for needle in ["@", "%40", "rst_"].iter().chain(also) {
            assert!(!text.contains(needle), "{needle:?} is in the logs:\n{text}");
        }
        assert!(!has_jwt(&text), "a JWT is in the logs:\n{text}");
    }
}

/// Whether `text` holds something shaped like a JWT: `eyJ` (a base64url JSON
/// header) and more base64url, then a dot. Random ids (moto's request ids)
/// may hold `eyJ` alone.
fn has_jwt(text: &str) -> bool {
    let b64url = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices("eyJ").any(|(at, _)| {
        let rest = &text[at..];
        let header = rest.chars().take_while(|c| b64url(*c)).count();
        header >= 16 && rest[header..].starts_with('.')
    })
}

#[test]
fn a_jwt_is_told_apart_from_a_random_id_that_holds_eyj() {
    let jwt = roster_tests::User::new("x").token();
    assert!(has_jwt(&format!("bearer {jwt} end")));
    assert!(!has_jwt(
        "request_id: KMXUAfKIIAbeyJgGQCs5RWNZsLvf3cZyshCN918DyY2N"
    ));
}

/// Sends `req` to `handler` the way `runtime::serve_http` does: in its span.
async fn send<F, Fut>(app: &TestApp, req: Req, handler: F) -> Resp
where
    F: FnOnce(Arc<roster::App>, lambda_http::Request) -> Fut,
    Fut: Future<Output = lambda_http::Response<lambda_http::Body>>,
{
    Resp::from(traced(handler, app.app.clone(), req.build()).await)
}

#[tokio::test]
async fn every_request_log_line_names_the_operation_org_target_and_caller_and_no_secret() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 3).await;
    let bob = User::new("bob");
    app.add_member(&alice, &org, &bob, "member", true).await;
    let nobody = "user-nobody-1";
    // A caller whose id holds an email address (as `make token` makes them).
    let mut carol = User::new("carol");
    carol.sub = format!("dev|{}", carol.email);
    let alice_jwt = alice.token();
    let bob_jwt = bob.token();

    let logs = Logs::default();
    let guard = logs.capture();
    let missing = send(
        &app,
        Req::get("/orgs/{org}/members/{user_id}")
            .org(&org)
            .param("user_id", nobody)
            .bearer(&alice_jwt),
        get_member::handle,
    )
    .await;
    let issued = send(
        &app,
        Req::post("/orgs/{org}/tokens")
            .org(&org)
            .bearer(&bob_jwt)
            .json(json!({"name": "laptop"})),
        issue_token::handle,
    )
    .await;
    let mine = send(
        &app,
        Req::get("/me/orgs").user(&carol),
        list_my_orgs::handle,
    )
    .await;
    drop(guard);

    assert_eq!(missing.status, 404, "{}", missing.body);
    assert_eq!(issued.status, 201, "{}", issued.body);
    assert_eq!(mine.status, 200, "{}", mine.body);
    let refused = logs.line("request refused", None);
    assert_eq!(
        refused["span"],
        json!({
            "name": "request",
            "op": "get-member",
            "route": "GET /orgs/{org}/members/{user_id}",
            "org": org,
            "target": nobody,
            "caller": alice.sub,
        }),
        "{refused}"
    );
    assert_eq!(
        logs.line("request handled", Some(404))["span"],
        refused["span"]
    );
    let created = logs.line("request handled", Some(201));
    assert_eq!(created["span"]["op"], "issue-token");
    assert_eq!(created["span"]["org"], org.as_str());
    assert_eq!(created["span"]["caller"], bob.sub.as_str());
    assert!(created["span"].get("target").is_none(), "{created}");
    let listed = logs.line("request handled", Some(200));
    assert_eq!(listed["span"]["op"], "list-my-orgs");
    assert_eq!(listed["span"]["caller"], loggable(&carol.sub));
    assert!(listed["span"]["caller"].as_str().unwrap().starts_with('~'));
    for line in logs.lines() {
        assert!(
            line["span"]["op"].is_string(),
            "a line outside any span: {line}"
        );
    }
    let secret = issued.json["token"].as_str().expect("the token secret");
    logs.assert_nothing_secret(&[secret, &alice_jwt, &bob_jwt, &carol.email, &bob.email]);
}

#[tokio::test]
async fn a_request_without_identity_or_with_a_secret_in_the_path_logs_no_caller_and_no_secret() {
    let app = TestApp::spawn().await;
    let logs = Logs::default();
    let guard = logs.capture();
    let secret = "rst_3q2-7wX_9bKf0hJtN4yLmPzQe8sVdR1uCaGiO5kE6nA";
    let resp = send(
        &app,
        Req::delete("/orgs/{org}/tokens/{id}")
            .org("acme")
            .param("id", secret),
        revoke_token::handle,
    )
    .await;
    drop(guard);
    assert_eq!(resp.status, 401, "{}", resp.body);
    let handled = logs.line("request handled", Some(401));
    assert_eq!(handled["span"]["op"], "revoke-token");
    assert_eq!(handled["span"]["org"], "acme");
    assert_eq!(handled["span"]["target"], loggable(secret));
    assert!(handled["span"].get("caller").is_none(), "{handled}");
    logs.assert_nothing_secret(&[]);
}

#[tokio::test]
async fn each_delivered_outbox_record_logs_in_a_span_with_its_org_and_message() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 3).await;
    let bob = User::new("bob");
    let logs = Logs::default();
    let guard = logs.capture();
    let invited = send(
        &app,
        Req::post("/orgs/{org}/invitations")
            .org(&org)
            .user(&alice)
            .json(json!({"emails": [bob.email]})),
        invite_members::handle,
    )
    .await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    assert_eq!(mail::deliver_queued(&app, &org).await, 1);
    drop(guard);
    assert_eq!(
        mail::sent_to(&bob.email).await.len(),
        1,
        "the invitation was sent"
    );

    for message in ["mail sent", "outbox record handled"] {
        let line = logs.line(message, None);
        assert_eq!(line["span"]["name"], "record", "{line}");
        assert_eq!(line["span"]["op"], "deliver-email", "{line}");
        assert_eq!(line["span"]["org"], org.as_str(), "{line}");
        assert_eq!(line["span"]["event_id"], "0", "{line}");
        assert!(
            line["span"]["outbox_id"]
                .as_str()
                .is_some_and(|id| !id.is_empty())
        );
    }
    logs.assert_nothing_secret(&[&bob.email, &alice.email]);
}

#[tokio::test]
async fn a_sweep_run_logs_in_its_span() {
    let app = TestApp::isolated().await;
    let logs = Logs::default();
    let guard = logs.capture();
    let event = lambda_http::LambdaEvent::new(json!({}), lambda_http::Context::default());
    roster::events::sweep::handle(app.app.clone(), event)
        .await
        .expect("the sweep runs");
    drop(guard);
    let done = logs.line("sweep done", None);
    assert_eq!(
        done["span"],
        json!({"name": "run", "op": "sweep"}),
        "{done}"
    );
}

#[tokio::test]
async fn a_whole_flow_logged_at_the_most_verbose_level_leaks_no_secret_and_no_address() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let bob = User::new("bob");
    let carol = User::new("carol");
    let dave = User::new("dave");
    let alice_jwt = alice.token();
    let bob_jwt = bob.token();
    let org = slug();
    let logs = Logs::default();
    // As asked by a hand-edited RUST_LOG: TRACE, which the process caps at DEBUG.
    let guard = logs.capture_at("trace");

    let created = send(
        &app,
        Req::post("/orgs")
            .bearer(&alice_jwt)
            .json(json!({"slug": org, "name": "Leak Test", "seat_limit": 3})),
        create_org::handle,
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let invite = |req: Req| {
        send(
            &app,
            req.org(&org).bearer(&alice_jwt),
            invite_members::handle,
        )
    };
    let invited =
        invite(Req::post("/orgs/{org}/invitations").json(json!({"emails": [bob.email]}))).await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    let uploaded = invite(Req::post("/orgs/{org}/invitations").csv(format!(
        "email,role\n{},member\n{},member\n",
        carol.email, dave.email
    )))
    .await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.body);
    mail::deliver_queued(&app, &org).await;
    let bob_link = mail::latest_invite_token(&bob.email)
        .await
        .expect("bob's link");
    let carol_link = mail::latest_invite_token(&carol.email)
        .await
        .expect("carol's link");

    let previewed = send(
        &app,
        Req::post("/invitations/preview")
            .bearer(&bob_jwt)
            .json(json!({"token": bob_link})),
        preview_invitation::handle,
    )
    .await;
    assert_eq!(previewed.status, 200, "{}", previewed.body);
    let accepted = send(
        &app,
        Req::post("/invitations/accept")
            .bearer(&bob_jwt)
            .json(json!({"token": bob_link})),
        accept_invitation::handle,
    )
    .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    app.clock.advance(chrono::Duration::days(1));
    let resent = send(
        &app,
        Req::post("/orgs/{org}/invitations/{id}/resend")
            .org(&org)
            .param("id", &address_id(&dave.email))
            .bearer(&alice_jwt),
        resend_invitation::handle,
    )
    .await;
    assert_eq!(resent.status, 200, "{}", resent.body);
    let revoked = send(
        &app,
        Req::delete("/orgs/{org}/invitations/{id}")
            .org(&org)
            .param("id", &address_id(&carol.email))
            .bearer(&alice_jwt),
        revoke_invitation::handle,
    )
    .await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    let seated = send(
        &app,
        Req::put("/orgs/{org}/members/{user_id}/seat")
            .org(&org)
            .param("user_id", &bob.sub)
            .bearer(&alice_jwt),
        assign_seat::handle,
    )
    .await;
    assert!(seated.status < 300, "{}", seated.body);
    let issued = send(
        &app,
        Req::post("/orgs/{org}/tokens")
            .org(&org)
            .bearer(&bob_jwt)
            .json(json!({"name": "laptop"})),
        issue_token::handle,
    )
    .await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    let secret = issued.json["token"]
        .as_str()
        .expect("the token secret")
        .to_owned();
    let introspected = send(
        &app,
        Req::post("/tokens/introspect").json(json!({"token": secret})),
        introspect_token::handle,
    )
    .await;
    assert_eq!(introspected.json["active"], true, "{}", introspected.body);
    mail::deliver_queued(&app, &org).await;
    drop(guard);

    let lines = logs.lines();
    assert!(
        lines.iter().any(|l| l["level"] == "DEBUG"),
        "logged at DEBUG:\n{}",
        logs.text()
    );
    assert!(
        !lines.iter().any(|l| l["level"] == "TRACE"),
        "capped at DEBUG"
    );
    let mut secrets = vec![
        alice_jwt.clone(),
        bob_jwt.clone(),
        bob_link.clone(),
        carol_link.clone(),
        secret.clone(),
    ];
    for link in [&bob_link, &carol_link] {
        secrets.push(link.rsplit('.').next().unwrap().to_owned());
    }
    for user in [&alice, &bob, &carol, &dave] {
        secrets.push(user.email.clone());
        secrets.push(address_id(&user.email));
    }
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    logs.assert_nothing_secret(&secrets);
}

#[tokio::test]
async fn an_address_ses_names_in_its_refusal_is_not_logged() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 3).await;
    let bob = User::new("bob");
    let invited = app
        .invite(&alice, &org, &[&bob.email], "member", false)
        .await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    // The same table, sending from an address SES has not verified, which
    // SES names in its refusal.
    let sender = format!("unverified-{}@nowhere.test", &slug()[2..]);
    let mut refusing = TestApp::spawn_with_sender(&sender).await;
    let mut inner = (*refusing.app).clone();
    inner.store = app.app.store.clone();
    inner.config.table = app.app.config.table.clone();
    refusing.app = Arc::new(inner);

    let logs = Logs::default();
    let guard = logs.capture_at("debug");
    mail::deliver_queued(&refusing, &org).await;
    drop(guard);

    let refused = logs.line("mail not sent", None);
    let error = refused["fields"]["error"].as_str().expect("the error");
    assert!(error.contains("MessageRejected"), "{refused}");
    assert!(error.contains("<address ~"), "{refused}");
    logs.assert_nothing_secret(&[&sender, &bob.email, &alice.email]);
}
