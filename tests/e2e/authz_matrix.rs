//! Every route of the contract × {no identity, outsider, member, billing
//! manager, admin}: exactly the status the role matrix and the "outsiders see
//! 404" rule give. One table, each row on a fresh org.

use roster::http::routes::*;
use roster_tests::{Req, Resp, TestApp, User, slug};
use serde_json::json;

/// An org with an admin, a billing manager, a seated member, and two more
/// members to act on: `target` (seated, holding a token) and `unseated`.
struct Fixture {
    org: String,
    admin: User,
    billing: User,
    member: User,
    outsider: User,
    target: User,
    unseated: User,
    target_token_id: String,
    invitation_id: String,
    invite_token: String,
    /// A key for the revoke row to revoke.
    spare_key_id: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let admin = User::new("admin");
    let org = app.create_org(&admin, 10).await;
    let (billing, member, target, unseated) = (
        User::new("billing"),
        User::new("member"),
        User::new("target"),
        User::new("unseated"),
    );
    // Written straight in: the matrix is about what each may do, and
    // tests/e2e/accept.rs about how they join.
    app.enroll(&org, &billing, "billing_manager", false).await;
    app.enroll(&org, &member, "member", true).await;
    app.enroll(&org, &target, "member", true).await;
    app.enroll(&org, &unseated, "member", false).await;
    let token = Req::post("/orgs/{org}/tokens")
        .org(&org)
        .user(&target)
        .json(json!({"name": "ci"}))
        .send(app, issue_token::handle)
        .await;
    assert_eq!(token.status, 201, "{}", token.body);
    let invitee = User::new("invitee");
    let invite_token = app
        .invite_and_get_token(&admin, &org, &invitee, "member", false)
        .await;
    let spare_key_id = api_key(app, &org, &admin, "admin").await.0;
    Fixture {
        spare_key_id,
        invitation_id: invite_token.split('.').nth(1).unwrap().to_owned(),
        invite_token,
        target_token_id: token.json["id"].as_str().unwrap().to_owned(),
        org,
        admin,
        billing,
        member,
        outsider: User::new("outsider"),
        target,
        unseated,
    }
}

/// A new key of `role` in `org`, created by `admin`: (id, secret).
async fn api_key(app: &TestApp, org: &str, admin: &User, role: &str) -> (String, String) {
    let resp = Req::post("/orgs/{org}/api-keys")
        .org(org)
        .user(admin)
        .json(json!({"name": "matrix", "role": role}))
        .send(app, create_api_key::handle)
        .await;
    assert_eq!(resp.status, 201, "{}", resp.body);
    let field = |name: &str| resp.json[name].as_str().unwrap().to_owned();
    (field("id"), field("key"))
}

type Handler = fn(
    std::sync::Arc<roster::App>,
    lambda_http::Request,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = lambda_http::Response<lambda_http::Body>> + Send>,
>;

macro_rules! h {
    ($module:ident) => {
        (|app, req| Box::pin($module::handle(app, req))) as Handler
    };
}

/// Who calls, in the order of each row's expected statuses.
#[derive(Clone, Copy, Debug)]
enum Who {
    Nobody,
    Outsider,
    Member,
    Billing,
    Admin,
}
const CALLERS: [Who; 5] = [
    Who::Nobody,
    Who::Outsider,
    Who::Member,
    Who::Billing,
    Who::Admin,
];

struct Row {
    name: &'static str,
    handler: Handler,
    request: fn(&Fixture, &User) -> Req,
    expected: [u16; 5],
    /// As an admin key of another org, a billing-manager key and an admin
    /// key of the org (the "self" rows act on the org's admin).
    keys: [u16; 3],
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            name: "POST /orgs",
            handler: h!(create_org),
            expected: [401, 201, 201, 201, 201],
            keys: [403, 403, 403],
            request: |_, _| Req::post("/orgs").json(json!({"slug": slug(), "name": "New"})),
        },
        Row {
            name: "GET /orgs/{org}",
            handler: h!(get_org),
            expected: [401, 404, 200, 200, 200],
            keys: [404, 200, 200],
            request: |f, _| Req::get("/orgs/{org}").org(&f.org),
        },
        Row {
            name: "PATCH /orgs/{org} seat_limit",
            handler: h!(update_org),
            expected: [401, 404, 403, 200, 200],
            keys: [404, 200, 200],
            request: |f, _| {
                Req::patch("/orgs/{org}")
                    .org(&f.org)
                    .json(json!({"seat_limit": 20}))
            },
        },
        Row {
            name: "PATCH /orgs/{org} idle_seat_days",
            handler: h!(update_org),
            expected: [401, 404, 403, 200, 200],
            keys: [404, 200, 200],
            request: |f, _| {
                Req::patch("/orgs/{org}")
                    .org(&f.org)
                    .json(json!({"idle_seat_days": 45}))
            },
        },
        Row {
            name: "PATCH /orgs/{org} name",
            handler: h!(update_org),
            expected: [401, 404, 403, 403, 200],
            keys: [404, 403, 200],
            request: |f, _| {
                Req::patch("/orgs/{org}")
                    .org(&f.org)
                    .json(json!({"name": "Renamed"}))
            },
        },
        Row {
            name: "GET /me/orgs",
            handler: h!(list_my_orgs),
            expected: [401, 200, 200, 200, 200],
            keys: [403, 403, 403],
            request: |_, _| Req::get("/me/orgs"),
        },
        Row {
            name: "POST /orgs/{org}/invitations",
            handler: h!(invite_members),
            expected: [401, 404, 403, 403, 200],
            keys: [404, 403, 200],
            request: |f, _| {
                Req::post("/orgs/{org}/invitations")
                    .org(&f.org)
                    .json(json!({"emails": ["x@example.com"]}))
            },
        },
        Row {
            name: "POST /orgs/{org}/invitations (CSV over 500 rows: an import job)",
            handler: h!(invite_members),
            expected: [401, 404, 403, 403, 202],
            keys: [404, 403, 202],
            request: |f, _| {
                let rows: String = (0..=roster::domain::import::SYNC_MAX_ROWS)
                    .map(|i| format!("job-{i}@example.com\n"))
                    .collect();
                Req::post("/orgs/{org}/invitations")
                    .org(&f.org)
                    .csv(format!("email\n{rows}"))
            },
        },
        Row {
            name: "GET /orgs/{org}/invitations",
            handler: h!(list_invitations),
            expected: [401, 404, 403, 403, 200],
            keys: [404, 403, 200],
            request: |f, _| Req::get("/orgs/{org}/invitations").org(&f.org),
        },
        Row {
            name: "POST .../invitations/{id}/resend",
            handler: h!(resend_invitation),
            expected: [401, 404, 403, 403, 200],
            keys: [404, 403, 200],
            request: |f, _| {
                Req::post("/orgs/{org}/invitations/{id}/resend")
                    .org(&f.org)
                    .param("id", &f.invitation_id)
            },
        },
        Row {
            name: "DELETE .../invitations/{id}",
            handler: h!(revoke_invitation),
            expected: [401, 404, 403, 403, 204],
            keys: [404, 403, 204],
            request: |f, _| {
                Req::delete("/orgs/{org}/invitations/{id}")
                    .org(&f.org)
                    .param("id", &f.invitation_id)
            },
        },
        Row {
            name: "POST /invitations/accept (someone else's)",
            handler: h!(accept_invitation),
            expected: [401, 403, 403, 403, 403],
            keys: [403, 403, 403],
            request: |f, _| Req::post("/invitations/accept").json(json!({"token": f.invite_token})),
        },
        Row {
            name: "GET /orgs/{org}/members",
            handler: h!(list_members),
            expected: [401, 404, 403, 200, 200],
            keys: [404, 200, 200],
            request: |f, _| Req::get("/orgs/{org}/members").org(&f.org),
        },
        Row {
            name: "GET .../members/{other}",
            handler: h!(get_member),
            expected: [401, 404, 403, 200, 200],
            keys: [404, 200, 200],
            request: |f, _| {
                Req::get("/orgs/{org}/members/{user_id}")
                    .org(&f.org)
                    .param("user_id", &f.target.sub)
            },
        },
        Row {
            name: "GET .../members/{self}",
            handler: h!(get_member),
            expected: [401, 404, 200, 200, 200],
            keys: [404, 200, 200],
            request: |f, me| {
                Req::get("/orgs/{org}/members/{user_id}")
                    .org(&f.org)
                    .param("user_id", &me.sub)
            },
        },
        Row {
            name: "PUT .../members/{other}/role",
            handler: h!(change_role),
            expected: [401, 404, 403, 403, 200],
            keys: [404, 403, 200],
            request: |f, _| {
                Req::put("/orgs/{org}/members/{user_id}/role")
                    .org(&f.org)
                    .param("user_id", &f.target.sub)
                    .json(json!({"role": "billing_manager"}))
            },
        },
        Row {
            name: "PUT .../members/{self}/role",
            handler: h!(change_role),
            expected: [401, 404, 403, 403, 403],
            keys: [404, 403, 409],
            request: |f, me| {
                Req::put("/orgs/{org}/members/{user_id}/role")
                    .org(&f.org)
                    .param("user_id", &me.sub)
                    .json(json!({"role": "member"}))
            },
        },
        Row {
            name: "PUT .../members/{other}/seat",
            handler: h!(assign_seat),
            expected: [401, 404, 403, 200, 200],
            keys: [404, 200, 200],
            request: |f, _| {
                Req::put("/orgs/{org}/members/{user_id}/seat")
                    .org(&f.org)
                    .param("user_id", &f.unseated.sub)
            },
        },
        Row {
            name: "DELETE .../members/{other}/seat",
            handler: h!(revoke_seat),
            expected: [401, 404, 403, 204, 204],
            keys: [404, 204, 204],
            request: |f, _| {
                Req::delete("/orgs/{org}/members/{user_id}/seat")
                    .org(&f.org)
                    .param("user_id", &f.target.sub)
            },
        },
        Row {
            name: "DELETE .../members/{other}",
            handler: h!(remove_member),
            expected: [401, 404, 403, 403, 204],
            keys: [404, 403, 204],
            request: |f, _| {
                Req::delete("/orgs/{org}/members/{user_id}")
                    .org(&f.org)
                    .param("user_id", &f.target.sub)
            },
        },
        Row {
            name: "DELETE .../members/{self} (leave)",
            handler: h!(remove_member),
            expected: [401, 404, 204, 204, 409],
            keys: [404, 403, 409],
            request: |f, me| {
                Req::delete("/orgs/{org}/members/{user_id}")
                    .org(&f.org)
                    .param("user_id", &me.sub)
            },
        },
        Row {
            name: "POST /orgs/{org}/tokens (own; only the member is seated)",
            handler: h!(issue_token),
            expected: [401, 404, 201, 403, 403],
            keys: [403, 403, 403],
            request: |f, _| {
                Req::post("/orgs/{org}/tokens")
                    .org(&f.org)
                    .json(json!({"name": "laptop"}))
            },
        },
        Row {
            name: "POST .../members/{other}/tokens",
            handler: h!(issue_token),
            expected: [401, 404, 403, 403, 201],
            keys: [404, 403, 201],
            request: |f, _| {
                Req::post("/orgs/{org}/members/{user_id}/tokens")
                    .org(&f.org)
                    .param("user_id", &f.target.sub)
                    .json(json!({"name": "ci"}))
            },
        },
        Row {
            name: "GET /orgs/{org}/tokens (own)",
            handler: h!(list_tokens),
            expected: [401, 404, 200, 200, 200],
            keys: [403, 403, 403],
            request: |f, _| Req::get("/orgs/{org}/tokens").org(&f.org),
        },
        Row {
            name: "GET /orgs/{org}/tokens?user_id=other",
            handler: h!(list_tokens),
            expected: [401, 404, 403, 403, 200],
            keys: [404, 403, 200],
            request: |f, _| {
                Req::get("/orgs/{org}/tokens")
                    .org(&f.org)
                    .query("user_id", &f.target.sub)
            },
        },
        Row {
            name: "DELETE /orgs/{org}/tokens/{other's}",
            handler: h!(revoke_token),
            expected: [401, 404, 403, 403, 204],
            keys: [404, 403, 204],
            request: |f, _| {
                Req::delete("/orgs/{org}/tokens/{id}")
                    .org(&f.org)
                    .param("id", &f.target_token_id)
            },
        },
        Row {
            name: "GET /orgs/{org}/audit",
            handler: h!(list_audit_events),
            expected: [401, 404, 403, 403, 200],
            keys: [404, 403, 200],
            request: |f, _| Req::get("/orgs/{org}/audit").org(&f.org),
        },
        Row {
            name: "GET /orgs/{org}/events",
            handler: h!(list_events),
            expected: [401, 404, 403, 403, 200],
            keys: [404, 403, 200],
            request: |f, _| Req::get("/orgs/{org}/events").org(&f.org),
        },
        Row {
            name: "GET /orgs/{org}/webhooks",
            handler: h!(webhooks),
            expected: [401, 404, 403, 403, 200],
            keys: [404, 403, 200],
            request: |f, _| Req::get("/orgs/{org}/webhooks").org(&f.org),
        },
        Row {
            name: "POST /orgs/{org}/webhooks",
            handler: h!(webhooks),
            expected: [401, 404, 403, 403, 201],
            keys: [404, 403, 201],
            // A public address written as one: no DNS needed.
            request: |f, _| {
                Req::post("/orgs/{org}/webhooks")
                    .org(&f.org)
                    .json(json!({"url": "https://93.184.216.34/hook"}))
            },
        },
        Row {
            name: "DELETE /orgs/{org}/webhooks/{id} (no such endpoint)",
            handler: h!(webhooks),
            expected: [401, 404, 403, 403, 404],
            keys: [404, 403, 404],
            request: |f, _| {
                Req::delete("/orgs/{org}/webhooks/{id}")
                    .org(&f.org)
                    .param("id", "wh_00000000000000000000")
            },
        },
        Row {
            name: "GET /orgs/{org}/suppressions",
            handler: h!(list_suppressions),
            expected: [401, 404, 403, 403, 200],
            keys: [404, 403, 200],
            request: |f, _| Req::get("/orgs/{org}/suppressions").org(&f.org),
        },
        Row {
            // Nothing is suppressed in the fixture: the admin is let through
            // to `suppression_not_found` (tests/e2e/mail_events.rs clears one).
            name: "DELETE /orgs/{org}/suppressions/{id}",
            handler: h!(clear_suppression),
            expected: [401, 404, 403, 403, 404],
            keys: [404, 403, 404],
            request: |f, _| {
                Req::delete("/orgs/{org}/suppressions/{id}")
                    .org(&f.org)
                    .param("id", &f.invitation_id)
            },
        },
        Row {
            name: "POST /orgs/{org}/api-keys",
            handler: h!(create_api_key),
            expected: [401, 404, 403, 403, 201],
            keys: [403, 403, 403],
            request: |f, _| {
                Req::post("/orgs/{org}/api-keys")
                    .org(&f.org)
                    .json(json!({"name": "ci", "role": "admin"}))
            },
        },
        Row {
            name: "GET /orgs/{org}/api-keys",
            handler: h!(list_api_keys),
            expected: [401, 404, 403, 403, 200],
            keys: [403, 403, 403],
            request: |f, _| Req::get("/orgs/{org}/api-keys").org(&f.org),
        },
        Row {
            name: "DELETE /orgs/{org}/api-keys/{id}",
            handler: h!(revoke_api_key),
            expected: [401, 404, 403, 403, 204],
            keys: [403, 403, 403],
            request: |f, _| {
                Req::delete("/orgs/{org}/api-keys/{id}")
                    .org(&f.org)
                    .param("id", &f.spare_key_id)
            },
        },
        Row {
            name: "GET /orgs/{org}/directory",
            handler: h!(get_directory),
            expected: [401, 404, 403, 403, 200],
            keys: [404, 403, 200],
            request: |f, _| Req::get("/orgs/{org}/directory").org(&f.org),
        },
        Row {
            name: "PUT /orgs/{org}/directory/groups/{group} (no such group)",
            handler: h!(set_group_grants),
            expected: [401, 404, 403, 403, 404],
            keys: [404, 403, 404],
            request: |f, _| {
                Req::put("/orgs/{org}/directory/groups/{group}")
                    .org(&f.org)
                    .param("group", "0192f0c8-0000-7000-8000-000000000001")
                    .json(json!({"grants": "seat"}))
            },
        },
        Row {
            // Members are members already; the outsider was not provisioned.
            name: "POST /orgs/{org}/join",
            handler: h!(join_org),
            expected: [401, 404, 409, 409, 409],
            keys: [403, 403, 403],
            request: |f, _| Req::post("/orgs/{org}/join").org(&f.org),
        },
        Row {
            name: "POST /me/join",
            handler: h!(join_org),
            expected: [401, 200, 200, 200, 200],
            keys: [403, 403, 403],
            request: |_, _| Req::post("/me/join"),
        },
        Row {
            // Only a directory sync key (tests/e2e/directory.rs) gets in.
            name: "GET /scim/v2/orgs/{org}/Users",
            handler: h!(scim),
            expected: [401, 401, 401, 401, 401],
            keys: [401, 401, 401],
            request: |f, _| {
                Req::get("/scim/v2/orgs/{org}/{resource+}")
                    .org(&f.org)
                    .param("resource", "Users")
            },
        },
        Row {
            name: "POST /tokens/introspect (IAM-authorized, no identity)",
            handler: h!(introspect_token),
            expected: [200, 200, 200, 200, 200],
            keys: [200, 200, 200],
            request: |_, _| {
                Req::post("/tokens/introspect")
                    .json(json!({"token": "rst_unknownunknownunknownunknown"}))
            },
        },
    ]
}

async fn call(app: &TestApp, f: &Fixture, row: &Row, who: Who) -> Resp {
    let user = match who {
        Who::Nobody | Who::Outsider => &f.outsider,
        Who::Member => &f.member,
        Who::Billing => &f.billing,
        Who::Admin => &f.admin,
    };
    let req = (row.request)(f, user);
    let req = match who {
        Who::Nobody => req,
        _ => req.user(user),
    };
    req.send(app, row.handler).await
}

async fn check_row(app: &TestApp, row: &Row) -> Vec<String> {
    // A fresh org per row; callers go from least to most privileged, so a
    // refused call never changes what the next caller finds.
    let f = fixture(app).await;
    let mut failures = Vec::new();
    for (who, expected) in CALLERS.into_iter().zip(row.expected) {
        let resp = call(app, &f, row, who).await;
        if resp.status != expected {
            failures.push(format!(
                "{} as {who:?}: {} (expected {expected}) {}",
                row.name, resp.status, resp.body
            ));
        }
        // Joining answers an outsider `not_provisioned` whether the org
        // exists or not: it tells nothing either way.
        let outsider_code = if row.name == "POST /orgs/{org}/join" {
            "not_provisioned"
        } else {
            "org_not_found"
        };
        if resp.status == 404 && matches!(who, Who::Outsider) && resp.code() != outsider_code {
            failures.push(format!("{} as outsider: {}", row.name, resp.body));
        }
    }
    failures
}

/// The fixture's invitation was mailed moments ago: no resend cooldown here,
/// so the resend row tests roles only (tests/e2e/abuse_limits.rs tests limits).
fn matrix_limits() -> roster::domain::Limits {
    roster::domain::Limits {
        resend_cooldown_secs: 0,
        ..Default::default()
    }
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_matrix_says() {
    let app = TestApp::with_limits(matrix_limits()).await;
    let rows = rows();
    let mut failures = Vec::new();
    for group in rows.chunks(6) {
        let results = futures::future::join_all(group.iter().map(|row| check_row(&app, row))).await;
        failures.extend(results.into_iter().flatten());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every row again, on a fresh org, as API keys: one of another org (every
/// org route is 404 to it), a billing manager's and an admin's of the org
/// (their role's answers), and never what only a person may do.
async fn check_row_as_keys(app: &TestApp, row: &Row) -> Vec<String> {
    let f = fixture(app).await;
    let other_admin = User::new("other-admin");
    let other_org = app.create_org(&other_admin, 1).await;
    let callers = [
        (
            "another org's admin key",
            api_key(app, &other_org, &other_admin, "admin").await.1,
        ),
        (
            "billing-manager key",
            api_key(app, &f.org, &f.admin, "billing_manager").await.1,
        ),
        ("admin key", api_key(app, &f.org, &f.admin, "admin").await.1),
    ];
    let mut failures = Vec::new();
    for ((who, key), expected) in callers.iter().zip(row.keys) {
        let resp = (row.request)(&f, &f.admin)
            .bearer(key)
            .send(app, row.handler)
            .await;
        let code_ok = match resp.status {
            404 if who.starts_with("another") => resp.code() == "org_not_found",
            403 if row.keys == [403, 403, 403] => resp.code() == "person_required",
            _ => true,
        };
        if resp.status != expected || !code_ok {
            failures.push(format!(
                "{} as {who}: {} (expected {expected}) {}",
                row.name, resp.status, resp.body
            ));
        }
    }
    failures
}

#[tokio::test]
async fn every_route_answers_each_api_key_as_its_role_and_org_say() {
    let app = TestApp::with_limits(matrix_limits()).await;
    let rows = rows();
    let mut failures = Vec::new();
    for group in rows.chunks(6) {
        let results =
            futures::future::join_all(group.iter().map(|row| check_row_as_keys(&app, row))).await;
        failures.extend(results.into_iter().flatten());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The routes that send mail or act in someone's name: with an unverified
/// email they are `403 email_unverified`, whatever the role.
const NEED_VERIFIED_EMAIL: [&str; 11] = [
    "POST /orgs",
    "POST /orgs/{org}/invitations",
    "POST /orgs/{org}/invitations (CSV over 500 rows: an import job)",
    "POST .../invitations/{id}/resend",
    "PUT .../members/{other}/seat",
    "POST /orgs/{org}/tokens (own; only the member is seated)",
    "POST .../members/{other}/tokens",
    // A key acts in its creator's name (invitations go out under their email).
    "POST /orgs/{org}/api-keys",
    // Linking a group gives seats and roles, as assigning a seat does.
    "PUT /orgs/{org}/directory/groups/{group} (no such group)",
    // A provisioned membership is claimed by its address: a verified one.
    "POST /orgs/{org}/join",
    "POST /me/join",
];

/// The fixture's admin, with `email_verified: false` in the token.
fn unverified(user: &User) -> String {
    roster_tests::jwt(&json!({
        "sub": user.sub,
        "email": user.email,
        "email_verified": false,
        "exp": chrono::Utc::now().timestamp() + 3600,
    }))
}

async fn check_row_unverified(app: &TestApp, row: &Row) -> Vec<String> {
    let f = fixture(app).await;
    // The seated member for their own token (the admin holds no seat), the
    // admin for everything else: the most a verified caller could do.
    let who = if row.name.starts_with("POST /orgs/{org}/tokens (own") {
        &f.member
    } else {
        &f.admin
    };
    let resp = (row.request)(&f, who)
        .bearer(&unverified(who))
        .send(app, row.handler)
        .await;
    let gated = NEED_VERIFIED_EMAIL.contains(&row.name);
    let verified_status = if who.sub == f.member.sub {
        row.expected[2]
    } else {
        row.expected[4]
    };
    // The fixture delivered its own mail: a refused call leaves none queued.
    let queued = roster_tests::mail::queued_outbox_items(app, &f.org)
        .await
        .len();
    match (gated, resp.status, resp.code()) {
        (true, 403, "email_unverified") if queued == 0 => vec![],
        (false, status, _) if status == verified_status => vec![],
        _ => vec![format!(
            "{} unverified (gated: {gated}): {} {} ({queued} mails queued)",
            row.name, resp.status, resp.body
        )],
    }
}

#[tokio::test]
async fn no_route_that_sends_mail_or_acts_for_someone_works_with_an_unverified_email() {
    let app = TestApp::with_limits(matrix_limits()).await;
    let rows = rows();
    for name in NEED_VERIFIED_EMAIL {
        assert!(rows.iter().any(|r| r.name == name), "no row {name}");
    }
    let mut failures = Vec::new();
    for group in rows.chunks(6) {
        let results =
            futures::future::join_all(group.iter().map(|row| check_row_unverified(&app, row)))
                .await;
        failures.extend(results.into_iter().flatten());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
