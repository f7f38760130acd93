//! Acting on yourself: every route whose target may be the caller works or
//! refuses with a 4xx, never a 5xx. (DynamoDB refuses a transaction with two
//! actions on one item, so "the caller still holds their role" must fold into
//! the write on the caller's own item.)

use roster::http::routes::{
    assign_seat, change_role, get_member, get_org, introspect_token, issue_token, remove_member,
    revoke_seat,
};
use roster_tests::{Req, Resp, TestApp, User};
use serde_json::json;

async fn org_field(app: &TestApp, org: &str, who: &User, field: &str) -> u64 {
    let resp = Req::get("/orgs/{org}")
        .org(org)
        .user(who)
        .send(app, get_org::handle)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    resp.json[field].as_u64().unwrap()
}

fn on_self(method: &str, path: &str, org: &str, who: &User) -> Req {
    let req = match method {
        "PUT" => Req::put(path),
        "DELETE" => Req::delete(path),
        "POST" => Req::post(path),
        _ => Req::get(path),
    };
    req.org(org).param("user_id", &who.sub).user(who)
}

async fn seat_self(app: &TestApp, org: &str, who: &User) -> Resp {
    on_self("PUT", "/orgs/{org}/members/{user_id}/seat", org, who)
        .send(app, assign_seat::handle)
        .await
}

async fn unseat_self(app: &TestApp, org: &str, who: &User) -> Resp {
    on_self("DELETE", "/orgs/{org}/members/{user_id}/seat", org, who)
        .send(app, revoke_seat::handle)
        .await
}

#[tokio::test]
async fn an_admin_assigns_and_revokes_their_own_seat() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 2).await;

    let seated = seat_self(&app, &org, &alice).await;
    assert_eq!(seated.status, 200, "{}", seated.body);
    assert_eq!(seated.json["user_id"], json!(alice.sub));
    assert!(seated.json["seat"]["assigned_at"].is_string());
    assert_eq!(org_field(&app, &org, &alice, "seats_used").await, 1);

    // Assigning again is a no-op answered with the member.
    let again = seat_self(&app, &org, &alice).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(org_field(&app, &org, &alice, "seats_used").await, 1);

    let revoked = unseat_self(&app, &org, &alice).await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    assert_eq!(org_field(&app, &org, &alice, "seats_used").await, 0);
    let again = unseat_self(&app, &org, &alice).await;
    assert_eq!(again.status, 204, "{}", again.body);
}

#[tokio::test]
async fn a_billing_manager_seats_themselves_but_a_member_is_refused() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 3).await;
    let bill = User::new("bill");
    app.add_member(&alice, &org, &bill, "billing_manager", false)
        .await;
    let bob = User::new("bob");
    app.add_member(&alice, &org, &bob, "member", false).await;

    let resp = seat_self(&app, &org, &bill).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    let resp = unseat_self(&app, &org, &bill).await;
    assert_eq!(resp.status, 204, "{}", resp.body);

    let resp = seat_self(&app, &org, &bob).await;
    assert_eq!(resp.status, 403, "{}", resp.body);
    assert_eq!(resp.code(), "forbidden");
    let resp = unseat_self(&app, &org, &bob).await;
    assert_eq!(resp.status, 403, "{}", resp.body);
}

#[tokio::test]
async fn a_full_org_refuses_a_self_assignment_with_409() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 1).await;
    let bob = User::new("bob");
    app.add_member(&alice, &org, &bob, "member", true).await;
    let resp = seat_self(&app, &org, &alice).await;
    assert_eq!(resp.status, 409, "{}", resp.body);
    assert_eq!(resp.code(), "no_seats_available");
}

#[tokio::test]
async fn issuing_a_token_through_ones_own_member_path_works() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 2).await;
    let issue = |who: &User| {
        on_self("POST", "/orgs/{org}/members/{user_id}/tokens", &org, who)
            .json(json!({"name": "laptop"}))
    };

    let unseated = issue(&alice).send(&app, issue_token::handle).await;
    assert_eq!(unseated.status, 403, "{}", unseated.body);
    assert_eq!(unseated.code(), "seat_required");

    assert_eq!(seat_self(&app, &org, &alice).await.status, 200);
    let issued = issue(&alice).send(&app, issue_token::handle).await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    assert_eq!(issued.json["user_id"], json!(alice.sub));
    let info = Req::post("/tokens/introspect")
        .json(json!({"token": issued.json["token"]}))
        .send(&app, introspect_token::handle)
        .await;
    assert_eq!(info.json["active"], true, "{}", info.body);

    // A plain member may use the member path for themselves too.
    let bob = User::new("bob");
    app.add_member(&alice, &org, &bob, "member", true).await;
    let resp = issue(&bob).send(&app, issue_token::handle).await;
    assert_eq!(resp.status, 201, "{}", resp.body);
}

#[tokio::test]
async fn members_and_admins_leave_but_the_last_admin_cannot() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 3).await;
    let leave = |who: &User| on_self("DELETE", "/orgs/{org}/members/{user_id}", &org, who);

    let resp = leave(&alice).send(&app, remove_member::handle).await;
    assert_eq!(resp.status, 409, "{}", resp.body);
    assert_eq!(resp.code(), "last_admin");

    let bob = User::new("bob");
    app.add_member(&alice, &org, &bob, "member", true).await;
    let resp = leave(&bob).send(&app, remove_member::handle).await;
    assert_eq!(resp.status, 204, "{}", resp.body);
    assert_eq!(org_field(&app, &org, &alice, "seats_used").await, 0);

    // A seated admin with a co-admin leaves; the seat and the admin go.
    let carol = User::new("carol");
    app.add_member(&alice, &org, &carol, "admin", false).await;
    assert_eq!(seat_self(&app, &org, &alice).await.status, 200);
    let resp = leave(&alice).send(&app, remove_member::handle).await;
    assert_eq!(resp.status, 204, "{}", resp.body);
    assert_eq!(org_field(&app, &org, &carol, "seats_used").await, 0);
    let resp = leave(&carol).send(&app, remove_member::handle).await;
    assert_eq!(resp.status, 409, "{}", resp.body);
    assert_eq!(resp.code(), "last_admin");
}

#[tokio::test]
async fn changing_ones_own_role_is_refused_with_403() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 3).await;
    let carol = User::new("carol");
    app.add_member(&alice, &org, &carol, "admin", false).await;
    for role in ["member", "admin", "billing_manager"] {
        let resp = on_self("PUT", "/orgs/{org}/members/{user_id}/role", &org, &alice)
            .json(json!({"role": role}))
            .send(&app, change_role::handle)
            .await;
        assert_eq!(resp.status, 403, "{role}: {}", resp.body);
        assert_eq!(resp.code(), "cannot_change_own_role");
    }
    assert_eq!(org_field(&app, &org, &alice, "seats_used").await, 0);
}

#[tokio::test]
async fn everyone_reads_themselves() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 3).await;
    let bob = User::new("bob");
    app.add_member(&alice, &org, &bob, "member", false).await;
    for (who, role) in [(&alice, "admin"), (&bob, "member")] {
        let resp = on_self("GET", "/orgs/{org}/members/{user_id}", &org, who)
            .send(&app, get_member::handle)
            .await;
        assert_eq!(resp.status, 200, "{}", resp.body);
        assert_eq!(resp.json["user_id"], json!(who.sub));
        assert_eq!(resp.json["role"], role);
    }
}
