//! Least privilege, proven: each function's handler runs its paths (success
//! and the alternatives that write differently) under the action recorder, and
//! the DynamoDB and SES actions it needed must be exactly the ones its policy in
//! `infra/template.yaml` grants (generated from its declaration in
//! `infra/functions.toml`): none missing (it would fail deployed), none unused
//! (a grant no code path needs is attack surface).

use chrono::Duration;
use roster::http::routes::*;
use roster_tests::events::{MapResolver, Receiver, webhook_settings};
use roster_tests::iam::{Grant, template_grants};
use roster_tests::mail::{queued_outbox_items, stream_event};
use roster_tests::{Req, TestApp, User, address_id};
use serde_json::json;
use std::collections::BTreeSet;

/// Every function of the template has a test below.
const COVERED: &[&str] = &[
    "scim",
    "join-org",
    "get-directory",
    "set-group-grants",
    "accept-invitation",
    "assign-seat",
    "authorize",
    "change-role",
    "clear-suppression",
    "console",
    "create-api-key",
    "create-org",
    "deliver-email",
    "get-import",
    "get-member",
    "get-org",
    "import-worker",
    "introspect-token",
    "invite-members",
    "issue-token",
    "list-api-keys",
    "list-audit-events",
    "list-imports",
    "list-invitations",
    "list-members",
    "list-my-orgs",
    "list-suppressions",
    "list-tokens",
    "mail-events",
    "preview-invitation",
    "remove-member",
    "resend-invitation",
    "revoke-api-key",
    "revoke-invitation",
    "revoke-seat",
    "revoke-token",
    "sweep",
    "update-org",
    "list-events",
    "webhooks",
    "publish-events",
    "deliver-webhooks",
];

fn show(grants: &BTreeSet<Grant>) -> String {
    grants
        .iter()
        .map(|(action, resource)| format!("{action} on {resource}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Fails naming what is missing from, or unused in, `function`'s policy.
fn assert_exactly_granted(function: &str, used: &BTreeSet<Grant>) {
    let all = template_grants();
    let granted = all
        .get(function)
        .unwrap_or_else(|| panic!("{function} is not a function of infra/template.yaml"));
    assert!(!used.is_empty(), "{function}: the scenario made no call");
    let missing: BTreeSet<Grant> = used.difference(granted).cloned().collect();
    let unused: BTreeSet<Grant> = granted.difference(used).cloned().collect();
    assert!(
        missing.is_empty() && unused.is_empty(),
        "{function}: its IAM policy does not match what it does (declare what it uses in infra/functions.toml, then `make routes`).\n  used but not granted (fails deployed): [{}]\n  granted but never used (remove it): [{}]",
        show(&missing),
        show(&unused)
    );
}

/// Runs `handler` on `req` with the recorder reset; returns what it needed.
async fn record<F, Fut>(app: &TestApp, req: Req, handler: F, status: u16) -> BTreeSet<Grant>
where
    F: Fn(std::sync::Arc<roster::App>, lambda_http::Request) -> Fut,
    Fut: std::future::Future<Output = lambda_http::Response<lambda_http::Body>>,
{
    app.actions.reset();
    let resp = req.send(app, handler).await;
    assert_eq!(resp.status, status, "{}", resp.body);
    app.actions.take()
}

#[test]
fn every_function_in_the_template_has_a_least_privilege_test() {
    let functions: BTreeSet<String> = template_grants().into_keys().collect();
    let covered: BTreeSet<String> = COVERED.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        functions, covered,
        "add a test to tests/e2e/iam.rs for each new function"
    );
}

#[test]
fn index_grants_name_their_index() {
    for (function, grants) in template_grants() {
        for (action, resource) in grants {
            assert!(
                !resource.contains('*') || resource == "identity",
                "{function}: {action} on {resource}: name the resource"
            );
        }
    }
}

#[tokio::test]
async fn create_org_is_granted_exactly_what_it_uses() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let slug = roster_tests::slug();
    let create = || {
        Req::post("/orgs")
            .user(&alice)
            .json(json!({"slug": slug, "name": "Acme", "seat_limit": 1}))
    };
    let mut used = record(&app, create(), create_org::handle, 201).await;
    used.extend(record(&app, create(), create_org::handle, 409).await);
    assert_exactly_granted("create-org", &used);
}

#[tokio::test]
async fn get_org_is_granted_exactly_what_it_uses() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 1).await;
    let used = record(
        &app,
        Req::get("/orgs/{org}").org(&org).user(&alice),
        get_org::handle,
        200,
    )
    .await;
    assert_exactly_granted("get-org", &used);
}

#[tokio::test]
async fn update_org_is_granted_exactly_what_it_uses() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 1).await;
    let used = record(
        &app,
        Req::patch("/orgs/{org}")
            .org(&org)
            .user(&alice)
            .json(json!({"name": "Renamed", "seat_limit": 5})),
        update_org::handle,
        200,
    )
    .await;
    assert_exactly_granted("update-org", &used);
}

#[tokio::test]
async fn list_my_orgs_is_granted_exactly_what_it_uses() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    app.create_org(&alice, 1).await;
    let used = record(
        &app,
        Req::get("/me/orgs").user(&alice),
        list_my_orgs::handle,
        200,
    )
    .await;
    assert_exactly_granted("list-my-orgs", &used);
}

#[tokio::test]
async fn invite_members_is_granted_exactly_what_it_uses() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 1).await;
    let invite = |emails: serde_json::Value| {
        Req::post("/orgs/{org}/invitations")
            .org(&org)
            .user(&alice)
            .json(json!({"emails": emails}))
    };
    // New invitations, then one replacing an expired invitation, a CSV upload
    // and a dry run.
    let mut used = record(
        &app,
        invite(json!(["a@example.com", "b@example.com"])),
        invite_members::handle,
        200,
    )
    .await;
    app.clock.advance(Duration::days(8));
    used.extend(
        record(
            &app,
            invite(json!(["a@example.com"])),
            invite_members::handle,
            200,
        )
        .await,
    );
    used.extend(
        record(
            &app,
            Req::post("/orgs/{org}/invitations")
                .org(&org)
                .user(&alice)
                .csv("email,role,seat\nc@example.com,member,true\n"),
            invite_members::handle,
            200,
        )
        .await,
    );
    used.extend(
        record(
            &app,
            invite(json!(["d@example.com"])).query("dry_run", "true"),
            invite_members::handle,
            200,
        )
        .await,
    );
    // Over the synchronous limit: the rows are stored as an import job.
    used.extend(
        record(
            &app,
            Req::post("/orgs/{org}/invitations")
                .org(&org)
                .user(&alice)
                .csv(job_csv(&org)),
            invite_members::handle,
            202,
        )
        .await,
    );
    assert_exactly_granted("invite-members", &used);
}

#[tokio::test]
async fn list_invitations_is_granted_exactly_what_it_uses() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 1).await;
    app.invite(
        &alice,
        &org,
        &["a@example.com", "b@example.com"],
        "member",
        false,
    )
    .await;
    let mut used = BTreeSet::new();
    for status in ["pending", "expired", "all"] {
        used.extend(
            record(
                &app,
                Req::get("/orgs/{org}/invitations")
                    .org(&org)
                    .user(&alice)
                    .query("status", status)
                    .query("limit", "1"),
                list_invitations::handle,
                200,
            )
            .await,
        );
    }
    assert_exactly_granted("list-invitations", &used);
}

#[tokio::test]
async fn resend_and_revoke_invitation_are_granted_exactly_what_they_use() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 1).await;
    let resp = app
        .invite(
            &alice,
            &org,
            &["a@example.com", "b@example.com"],
            "member",
            false,
        )
        .await;
    let id = |row: usize| {
        resp.json["results"][row]["invitation_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (a, b) = (id(0), id(1));
    let on = |req: Req, id: &str| req.org(&org).param("id", id).user(&alice);
    // Past the resend cooldown (an abuse limit).
    app.clock.advance(Duration::hours(2));
    let resend = on(Req::post("/orgs/{org}/invitations/{id}/resend"), &a);
    let used = record(&app, resend, resend_invitation::handle, 200).await;
    assert_exactly_granted("resend-invitation", &used);
    // Revoked inside the cooldown of its last mail (a revoked marker takes
    // its place), and outside it (deleted).
    let revoke = |id: &str| on(Req::delete("/orgs/{org}/invitations/{id}"), id);
    let mut used = record(&app, revoke(&a), revoke_invitation::handle, 204).await;
    used.extend(record(&app, revoke(&b), revoke_invitation::handle, 204).await);
    assert_exactly_granted("revoke-invitation", &used);
}

#[tokio::test]
async fn mail_events_and_suppressions_are_granted_exactly_what_they_use() {
    use roster_tests::feedback::Feedback;
    let app = TestApp::spawn().await;
    let (org, alice, bob, _) = app.org_with_invitee(0, "member", false).await;
    // A complaint (status and suppression); a soft bounce (status only).
    app.actions.reset();
    app.ses_reports(Feedback::Complaint, &bob.email).await;
    app.ses_reports(Feedback::TransientBounce, &bob.email).await;
    assert_exactly_granted("mail-events", &app.actions.take());

    let list = Req::get("/orgs/{org}/suppressions").org(&org).user(&alice);
    let used = record(&app, list, list_suppressions::handle, 200).await;
    assert_exactly_granted("list-suppressions", &used);
    let id = address_id(&bob.email);
    let clear = Req::delete("/orgs/{org}/suppressions/{id}")
        .org(&org)
        .param("id", &id)
        .user(&alice)
        .json(json!({"reason": "They asked for it."}));
    let used = record(&app, clear, clear_suppression::handle, 204).await;
    assert_exactly_granted("clear-suppression", &used);
}

#[tokio::test]
async fn accept_invitation_is_granted_exactly_what_it_uses() {
    let app = TestApp::spawn().await;
    // With a free seat (the seat mail goes to the outbox), then without one.
    let (org, alice, bob, token) = app.org_with_invitee(1, "member", true).await;
    let accept = |user: &User, token: &str| {
        Req::post("/invitations/accept")
            .user(user)
            .json(json!({"token": token}))
    };
    let mut used = record(&app, accept(&bob, &token), accept_invitation::handle, 200).await;
    let carol = User::new("carol");
    let token = app
        .invite_and_get_token(&alice, &org, &carol, "admin", true)
        .await;
    used.extend(record(&app, accept(&carol, &token), accept_invitation::handle, 200).await);
    // An elevated invitation stored before the inviter's id was kept: the
    // inviter is found by address.
    let dave = User::new("dave");
    let token = app
        .invite_and_get_token(&alice, &org, &dave, "billing_manager", false)
        .await;
    app.forget_inviter_id(&org, &dave.email).await;
    used.extend(record(&app, accept(&dave, &token), accept_invitation::handle, 200).await);
    assert_exactly_granted("accept-invitation", &used);
}

/// An org with admin alice and seated member bob, who holds a token.
async fn org_with_seated_member(app: &TestApp) -> (String, User, User, String, String) {
    let alice = User::new("alice");
    let org = app.create_org(&alice, 3).await;
    let bob = User::new("bob");
    app.add_member(&alice, &org, &bob, "member", true).await;
    let resp = Req::post("/orgs/{org}/tokens")
        .org(&org)
        .user(&bob)
        .json(json!({"name": "laptop"}))
        .send(app, issue_token::handle)
        .await;
    assert_eq!(resp.status, 201, "{}", resp.body);
    let token = resp.json["token"].as_str().unwrap().to_owned();
    let id = resp.json["id"].as_str().unwrap().to_owned();
    (org, alice, bob, token, id)
}

#[tokio::test]
async fn member_reads_are_granted_exactly_what_they_use() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, token, _) = org_with_seated_member(&app).await;
    let used = record(
        &app,
        Req::get("/orgs/{org}/members")
            .org(&org)
            .user(&alice)
            .query("limit", "1"),
        list_members::handle,
        200,
    )
    .await;
    assert_exactly_granted("list-members", &used);
    let used = record(
        &app,
        Req::get("/orgs/{org}/members/{user_id}")
            .org(&org)
            .param("user_id", &bob.sub)
            .user(&alice),
        get_member::handle,
        200,
    )
    .await;
    assert_exactly_granted("get-member", &used);
    let used = record(
        &app,
        Req::get("/orgs/{org}/tokens")
            .org(&org)
            .user(&alice)
            .query("user_id", &bob.sub),
        list_tokens::handle,
        200,
    )
    .await;
    assert_exactly_granted("list-tokens", &used);
    let used = record(
        &app,
        Req::get("/orgs/{org}/audit").org(&org).user(&alice),
        list_audit_events::handle,
        200,
    )
    .await;
    assert_exactly_granted("list-audit-events", &used);
    let used = record(
        &app,
        Req::post("/tokens/introspect").json(json!({"token": token, "channel": "main"})),
        introspect_token::handle,
        200,
    )
    .await;
    assert_exactly_granted("introspect-token", &used);
}

#[tokio::test]
async fn member_changes_are_granted_exactly_what_they_use() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, _, token_id) = org_with_seated_member(&app).await;
    let on_bob = |req: Req| req.org(&org).param("user_id", &bob.sub).user(&alice);

    let used = record(
        &app,
        on_bob(Req::put("/orgs/{org}/members/{user_id}/role"))
            .json(json!({"role": "billing_manager"})),
        change_role::handle,
        200,
    )
    .await;
    assert_exactly_granted("change-role", &used);

    let mut used = BTreeSet::new();
    for who in [&bob, &alice] {
        let req = Req::post("/orgs/{org}/members/{user_id}/tokens")
            .org(&org)
            .param("user_id", &bob.sub)
            .user(who)
            .json(json!({"name": "ci"}));
        used.extend(record(&app, req, issue_token::handle, 201).await);
    }
    used.extend(
        record(
            &app,
            Req::post("/orgs/{org}/tokens")
                .org(&org)
                .user(&bob)
                .json(json!({"name": "own"})),
            issue_token::handle,
            201,
        )
        .await,
    );
    assert_exactly_granted("issue-token", &used);

    // Revoking bob's own token as bob, and as the admin.
    let mut used = record(
        &app,
        Req::delete("/orgs/{org}/tokens/{id}")
            .org(&org)
            .param("id", &token_id)
            .user(&alice),
        revoke_token::handle,
        204,
    )
    .await;
    let list = Req::get("/orgs/{org}/tokens")
        .org(&org)
        .user(&bob)
        .send(&app, list_tokens::handle)
        .await;
    let own_id = list.json["items"][0]["id"].as_str().unwrap().to_owned();
    used.extend(
        record(
            &app,
            Req::delete("/orgs/{org}/tokens/{id}")
                .org(&org)
                .param("id", &own_id)
                .user(&bob),
            revoke_token::handle,
            204,
        )
        .await,
    );
    assert_exactly_granted("revoke-token", &used);

    let used = record(
        &app,
        on_bob(Req::delete("/orgs/{org}/members/{user_id}/seat")),
        revoke_seat::handle,
        204,
    )
    .await;
    assert_exactly_granted("revoke-seat", &used);
    let used = record(
        &app,
        on_bob(Req::put("/orgs/{org}/members/{user_id}/seat")),
        assign_seat::handle,
        200,
    )
    .await;
    assert_exactly_granted("assign-seat", &used);

    // Removed by an admin, and leaving.
    let carol = User::new("carol");
    app.add_member(&alice, &org, &carol, "member", false).await;
    let mut used = record(
        &app,
        on_bob(Req::delete("/orgs/{org}/members/{user_id}")),
        remove_member::handle,
        204,
    )
    .await;
    used.extend(
        record(
            &app,
            Req::delete("/orgs/{org}/members/{user_id}")
                .org(&org)
                .param("user_id", &carol.sub)
                .user(&carol),
            remove_member::handle,
            204,
        )
        .await,
    );
    assert_exactly_granted("remove-member", &used);
}

#[tokio::test]
async fn deliver_email_is_granted_exactly_what_it_uses() {
    let app = TestApp::spawn().await;
    // An invitation mail and a seat mail.
    let (org, _alice, bob, token) = app.org_with_invitee(1, "member", true).await;
    assert_eq!(app.accept(&bob, &token).await.status, 200);
    let items = queued_outbox_items(&app, &org).await;
    assert_eq!(items.len(), 1, "the seat mail is queued");
    app.actions.reset();
    let response =
        roster::events::deliver_email::deliver_records(&app.app, stream_event(items).records).await;
    assert!(response.batch_item_failures.is_empty());
    let mut used = app.actions.take();

    let carol = User::new("carol");
    app.invite(&_alice, &org, &[&carol.email], "member", false)
        .await;
    let items = queued_outbox_items(&app, &org).await;
    app.actions.reset();
    roster::events::deliver_email::deliver_records(&app.app, stream_event(items).records).await;
    used.extend(app.actions.take());
    assert_exactly_granted("deliver-email", &used);
}

#[tokio::test]
async fn sweep_is_granted_exactly_what_it_uses() {
    let app = TestApp::isolated().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let bob = User::new("bob");
    app.invite(&alice, &org, &[&bob.email], "member", false)
        .await;
    // Its expiry digest on: the sweep reads the feed and the admins for it.
    let digest = Req::patch("/orgs/{org}")
        .org(&org)
        .user(&alice)
        .json(json!({"expired_invitations_digest": true}))
        .send(&app, update_org::handle)
        .await;
    assert_eq!(digest.status, 200, "{}", digest.body);
    // The first send fails (an unverified sender), so the sweep retries it.
    let mut broken = TestApp::spawn_with_sender("unverified@nowhere.test").await;
    let mut inner = (*broken.app).clone();
    inner.store = app.app.store.clone();
    inner.clock = app.app.clock.clone();
    broken.app = std::sync::Arc::new(inner);
    roster_tests::mail::deliver_queued(&broken, &org).await;

    app.clock.advance(Duration::minutes(2));
    app.actions.reset();
    let report = roster::ops::sweep::sweep(&app.app).await.unwrap();
    assert_eq!(report.mail_sent, 1);
    let mut used = app.actions.take();
    // 40 days on, the invitation is past its TTL: the sweep deletes it.
    app.clock.advance(Duration::days(40));
    let report = roster::ops::sweep::sweep(&app.app).await.unwrap();
    assert_eq!(report.invitations_deleted, 1);
    used.extend(app.actions.take());
    // An import job no worker picked up: the sweep resumes it once it stalls.
    let accepted = Req::post("/orgs/{org}/invitations")
        .org(&org)
        .user(&alice)
        .csv(job_csv(&org))
        .send(&app, invite_members::handle)
        .await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    app.clock.advance(Duration::minutes(6));
    app.actions.reset();
    // (What the sweep's handler runs after `sweep`.)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
    let resumed = roster::ops::imports::run::resume_stalled(&app.app, deadline)
        .await
        .unwrap();
    assert_eq!(resumed, 1);
    used.extend(app.actions.take());
    assert_exactly_granted("sweep", &used);
}

/// A CSV one row over the synchronous limit: an import job.
fn job_csv(org: &str) -> String {
    let mut csv = String::from("email,role,seat\n");
    for i in 0..=roster::domain::import::SYNC_MAX_ROWS {
        csv.push_str(&format!("job{i}@{org}.example.com,member,false\n"));
    }
    csv
}

/// The job an upload answered `202` with, run by the worker and read back.
#[tokio::test]
async fn import_jobs_are_granted_exactly_what_they_use() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let accepted = Req::post("/orgs/{org}/invitations")
        .org(&org)
        .user(&alice)
        .csv(job_csv(&org))
        .send(&app, invite_members::handle)
        .await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    let id = accepted.json["id"].as_str().unwrap().to_owned();

    let slug = roster::domain::OrgSlug::parse(&org).unwrap();
    let job = roster::domain::import::ImportId::parse(&id).unwrap();
    let item = app
        .app
        .store
        .import_job_item(&slug, &job)
        .await
        .unwrap()
        .expect("the job item");
    app.actions.reset();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
    let response = roster::events::import_worker::run_records(
        &app.app,
        stream_event(vec![item]).records,
        deadline,
    )
    .await;
    assert!(response.batch_item_failures.is_empty(), "worker failed");
    assert_exactly_granted("import-worker", &app.actions.take());

    let read = || {
        Req::get("/orgs/{org}/imports/{id}")
            .org(&org)
            .param("id", &id)
            .user(&alice)
    };
    let used = record(&app, read(), get_import::handle, 200).await;
    assert_exactly_granted("get-import", &used);
    let list = Req::get("/orgs/{org}/imports").org(&org).user(&alice);
    let used = record(&app, list, list_imports::handle, 200).await;
    assert_exactly_granted("list-imports", &used);
}

#[tokio::test]
async fn preview_invitation_is_granted_exactly_what_it_uses() {
    let app = TestApp::spawn().await;
    let (_, _, bob, token) = app.org_with_invitee(1, "member", false).await;
    let preview = Req::post("/invitations/preview")
        .user(&bob)
        .json(json!({"token": token}));
    let used = record(&app, preview, preview_invitation::handle, 200).await;
    assert_exactly_granted("preview-invitation", &used);
}

/// The console serves embedded files: no AWS call, and no grant beyond its logs.
#[test]
fn the_console_is_granted_nothing() {
    let grants = template_grants();
    let console = grants.get("console").expect("console is in the template");
    assert!(
        console.is_empty(),
        "console: unused grants [{}]",
        show(console)
    );
}

/// An org of a new admin, and a key of theirs (its id and secret).
async fn org_with_api_key(app: &TestApp) -> (String, User, String, String) {
    let alice = User::new("alice");
    let org = app.create_org(&alice, 1).await;
    let resp = Req::post("/orgs/{org}/api-keys")
        .org(&org)
        .user(&alice)
        .json(json!({"name": "ci", "role": "admin"}))
        .send(app, create_api_key::handle)
        .await;
    assert_eq!(resp.status, 201, "{}", resp.body);
    let id = resp.json["id"].as_str().unwrap().to_owned();
    let key = resp.json["key"].as_str().unwrap().to_owned();
    (org, alice, id, key)
}

#[tokio::test]
async fn authorize_is_granted_exactly_what_it_uses() {
    let app = TestApp::spawn().await;
    let (_, _, _, key) = org_with_api_key(&app).await;
    app.actions.reset();
    // First use: the lookup and the last-use write; an unknown key: the lookup.
    for presented in [
        key.as_str(),
        "rk_0000000000000000000000000000000000000000000",
    ] {
        roster::authorizer::api_key(&app.app, presented)
            .await
            .unwrap();
    }
    assert_exactly_granted("authorize", &app.actions.take());
}

#[tokio::test]
async fn create_api_key_is_granted_exactly_what_it_uses() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 1).await;
    let create = Req::post("/orgs/{org}/api-keys")
        .org(&org)
        .user(&alice)
        .json(json!({"name": "ci", "role": "billing_manager"}));
    let used = record(&app, create, create_api_key::handle, 201).await;
    assert_exactly_granted("create-api-key", &used);
}

#[tokio::test]
async fn list_api_keys_is_granted_exactly_what_it_uses() {
    let app = TestApp::spawn().await;
    let (org, alice, _, _) = org_with_api_key(&app).await;
    let list = Req::get("/orgs/{org}/api-keys").org(&org).user(&alice);
    let used = record(&app, list, list_api_keys::handle, 200).await;
    assert_exactly_granted("list-api-keys", &used);
}

#[tokio::test]
async fn revoke_api_key_is_granted_exactly_what_it_uses() {
    let app = TestApp::spawn().await;
    let (org, alice, id, _) = org_with_api_key(&app).await;
    let revoke = || {
        Req::delete("/orgs/{org}/api-keys/{id}")
            .org(&org)
            .param("id", &id)
            .user(&alice)
    };
    let mut used = record(&app, revoke(), revoke_api_key::handle, 204).await;
    used.extend(record(&app, revoke(), revoke_api_key::handle, 404).await);
    assert_exactly_granted("revoke-api-key", &used);
}

#[tokio::test]
async fn directory_sync_functions_are_granted_exactly_what_they_use() {
    use crate::directory::{create_user, scim_org, scim_req};
    use roster::http::routes::{get_directory, join_org, scim, set_group_grants};
    let app = TestApp::spawn().await;
    let (org, admin, key, _) = scim_org(&app, 5).await;
    let bob = User::new("bob");

    // SCIM: create (a new member), a group holding them, deactivate
    // (reads their member), list, delete.
    let mut used = BTreeSet::new();
    let create = scim_req(http::Method::POST, &org, &key, "Users")
        .json(json!({"userName": bob.email, "emails": [{"value": bob.email}]}));
    app.actions.reset();
    let created = create.send(&app, scim::handle).await;
    assert_eq!(created.status, 201, "{}", created.body);
    used.extend(app.actions.take());
    let id = created.json["id"].as_str().unwrap().to_owned();
    let group = scim_req(http::Method::POST, &org, &key, "Groups")
        .json(json!({"displayName": "Licensed", "members": [{"value": id}]}));
    app.actions.reset();
    let group = group.send(&app, scim::handle).await;
    assert_eq!(group.status, 201, "{}", group.body);
    used.extend(app.actions.take());
    let gid = group.json["id"].as_str().unwrap().to_owned();
    let link = Req::put("/orgs/{org}/directory/groups/{group}")
        .org(&org)
        .param("group", &gid)
        .user(&admin)
        .json(json!({"grants": "seat"}));
    assert_exactly_granted(
        "set-group-grants",
        &record(&app, link, set_group_grants::handle, 200).await,
    );
    let dir = Req::get("/orgs/{org}/directory").org(&org).user(&admin);
    assert_exactly_granted(
        "get-directory",
        &record(&app, dir, get_directory::handle, 200).await,
    );
    let join = Req::post("/orgs/{org}/join").org(&org).user(&bob);
    let mut joined = record(&app, join, join_org::handle, 200).await;
    let carol = User::new("carol");
    create_user(&app, &org, &key, &carol.email).await;
    let join_all = Req::post("/me/join").user(&carol);
    joined.extend(record(&app, join_all, join_org::handle, 200).await);
    assert_exactly_granted("join-org", &joined);
    for (method, path, body, status) in [
        (
            http::Method::PATCH,
            format!("Users/{id}"),
            Some(json!({"Operations": [{"op": "replace", "path": "active", "value": false}]})),
            200,
        ),
        (http::Method::GET, "Users".to_owned(), None, 200),
        (http::Method::DELETE, format!("Users/{id}"), None, 204),
    ] {
        let mut req = scim_req(method, &org, &key, &path);
        if let Some(body) = body {
            req = req.json(body);
        }
        used.extend(record(&app, req, scim::handle, status).await);
    }
    assert_exactly_granted("scim", &used);
}

/// An app on its own table whose webhooks may call `receiver` over plain HTTP.
async fn app_calling(receiver: &Receiver) -> TestApp {
    let mut test = TestApp::isolated().await;
    let mut inner = (*test.app).clone();
    inner.webhooks = webhook_settings(
        std::slice::from_ref(&receiver.origin),
        MapResolver::default(),
    );
    test.app = std::sync::Arc::new(inner);
    test
}

#[tokio::test]
async fn events_and_webhook_management_are_granted_exactly_what_they_use() {
    let receiver = Receiver::start(&[204]).await;
    let app = app_calling(&receiver).await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 1).await;
    let hooks = |req: Req| req.org(&org).user(&alice);
    let url = format!("{}/hook", receiver.origin);
    let mut used = record(
        &app,
        hooks(Req::post("/orgs/{org}/webhooks")).json(json!({"url": url})),
        webhooks::handle,
        201,
    )
    .await;
    let listed = Req::get("/orgs/{org}/webhooks")
        .org(&org)
        .user(&alice)
        .send(&app, webhooks::handle)
        .await;
    let id = listed.json["items"][0]["id"].as_str().unwrap().to_owned();
    let one = |req: Req| hooks(req).param("id", &id);
    used.extend(
        record(
            &app,
            hooks(Req::get("/orgs/{org}/webhooks")),
            webhooks::handle,
            200,
        )
        .await,
    );
    let patch = one(Req::patch("/orgs/{org}/webhooks/{id}")).json(json!({"enabled": false}));
    used.extend(record(&app, patch, webhooks::handle, 200).await);
    let rotate = one(Req::post("/orgs/{org}/webhooks/{id}/rotate-secret"));
    used.extend(record(&app, rotate, webhooks::handle, 200).await);
    let list = one(Req::get("/orgs/{org}/webhooks/{id}/deliveries"));
    used.extend(record(&app, list, webhooks::handle, 200).await);
    let redeliver = one(Req::post(
        "/orgs/{org}/webhooks/{id}/deliveries/{delivery}/redeliver",
    ))
    .param("delivery", "dlv_0000000000000000-none-000");
    used.extend(record(&app, redeliver, webhooks::handle, 404).await);
    let delete = one(Req::delete("/orgs/{org}/webhooks/{id}"));
    used.extend(record(&app, delete, webhooks::handle, 204).await);
    assert_exactly_granted("webhooks", &used);

    let feed = hooks(Req::get("/orgs/{org}/events"));
    let used = record(&app, feed, list_events::handle, 200).await;
    assert_exactly_granted("list-events", &used);
}

#[tokio::test]
async fn publishing_and_delivering_events_are_granted_exactly_what_they_use() {
    let receiver = Receiver::start(&[500]).await;
    let app = app_calling(&receiver).await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 1).await;
    let bob = User::new("bob");
    app.enroll(&org, &bob, "member", false).await;
    let created = Req::post("/orgs/{org}/webhooks")
        .org(&org)
        .user(&alice)
        .json(json!({"url": format!("{}/h", receiver.origin)}))
        .send(&app, webhooks::handle)
        .await;
    let endpoint = created.json["webhook"]["id"].as_str().unwrap().to_owned();
    let role = Req::put("/orgs/{org}/members/{user_id}/role")
        .org(&org)
        .param("user_id", &bob.sub)
        .user(&alice)
        .json(json!({"role": "admin"}))
        .send(&app, change_role::handle)
        .await;
    assert_eq!(role.status, 200);
    let audit = roster_tests::events::audit_items(&app, &org).await;
    app.actions.reset();
    assert!(!roster_tests::events::publish(&app, audit).await);
    assert_exactly_granted("publish-events", &app.actions.take());

    // Every attempt fails, until the endpoint is disabled (the audit entry).
    let mut used = BTreeSet::new();
    for _ in 0..40 {
        app.actions.reset();
        roster_tests::events::deliver_woken(&app, &org, &endpoint).await;
        used.extend(app.actions.take());
        app.clock.advance(chrono::Duration::hours(3));
        for shard in 0..roster::store::keys::DUE_SHARDS {
            roster::ops::webhooks::wake_due(&app.app, shard, 100)
                .await
                .unwrap();
        }
    }
    assert_eq!(receiver.received().len(), 10);
    assert_exactly_granted("deliver-webhooks", &used);
}
