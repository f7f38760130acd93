//! Seats and roles under concurrency: the seat limit and "at least one admin"
//! hold whatever the interleaving.

use futures::future::join_all;
use roster::http::routes::{
    assign_seat, change_role, get_org, list_members, remove_member, revoke_seat, update_org,
};
use roster_tests::mail::{deliver_queued, sent_to};
use roster_tests::{Req, Resp, TestApp, User};
use serde_json::json;

async fn seats_used(app: &TestApp, admin: &User, org: &str) -> u64 {
    Req::get("/orgs/{org}")
        .org(org)
        .user(admin)
        .send(app, get_org::handle)
        .await
        .json["seats_used"]
        .as_u64()
        .unwrap()
}

fn seat(org: &str, admin: &User, who: &User) -> Req {
    Req::put("/orgs/{org}/members/{user_id}/seat")
        .org(org)
        .param("user_id", &who.sub)
        .user(admin)
}

fn unseat(org: &str, admin: &User, who: &User) -> Req {
    Req::delete("/orgs/{org}/members/{user_id}/seat")
        .org(org)
        .param("user_id", &who.sub)
        .user(admin)
}

#[tokio::test]
async fn eight_parallel_assignments_on_three_seats_give_exactly_three() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 3).await;
    let people: Vec<User> = (0..8).map(|i| User::new(&format!("p{i}"))).collect();
    for p in &people {
        app.add_member(&admin, &org, p, "member", false).await;
    }
    let results: Vec<Resp> = join_all(
        people
            .iter()
            .map(|p| seat(&org, &admin, p).send(&app, assign_seat::handle)),
    )
    .await;
    let ok = results.iter().filter(|r| r.status == 200).count();
    let full: Vec<_> = results.iter().filter(|r| r.status == 409).collect();
    assert_eq!(ok, 3, "{results:?}");
    assert_eq!(full.len(), 5);
    assert!(full.iter().all(|r| r.code() == "no_seats_available"));
    assert_eq!(seats_used(&app, &admin, &org).await, 3);
    let seated = Req::get("/orgs/{org}/members")
        .org(&org)
        .user(&admin)
        .query("seat", "true")
        .send(&app, list_members::handle)
        .await;
    assert_eq!(seated.json["items"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn parallel_assign_and_revoke_on_one_member_keep_the_counter_exact() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 5).await;
    let bob = User::new("bob");
    app.add_member(&admin, &org, &bob, "member", false).await;
    for _ in 0..3 {
        let calls = (0..10).map(|i| {
            let req = if i % 2 == 0 {
                seat(&org, &admin, &bob)
            } else {
                unseat(&org, &admin, &bob)
            };
            let app = &app;
            async move {
                if i % 2 == 0 {
                    req.send(app, assign_seat::handle).await
                } else {
                    req.send(app, revoke_seat::handle).await
                }
            }
        });
        let results = join_all(calls).await;
        assert!(results.iter().all(|r| r.status < 300), "{results:?}");
        let seated = Req::get("/orgs/{org}/members")
            .org(&org)
            .user(&admin)
            .query("seat", "true")
            .send(&app, list_members::handle)
            .await
            .json["items"]
            .as_array()
            .unwrap()
            .len() as u64;
        assert_eq!(seats_used(&app, &admin, &org).await, seated);
    }
}

#[tokio::test]
async fn assigning_is_idempotent_and_a_new_seat_mails_the_member() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 2).await;
    let bob = User::new("bob");
    app.add_member(&admin, &org, &bob, "member", false).await;
    let first = seat(&org, &admin, &bob)
        .send(&app, assign_seat::handle)
        .await;
    assert_eq!(first.status, 200);
    assert!(first.json["seat"]["assigned_at"].is_string());
    let again = seat(&org, &admin, &bob)
        .send(&app, assign_seat::handle)
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json["seat"], first.json["seat"]);
    assert_eq!(seats_used(&app, &admin, &org).await, 1);
    assert_eq!(
        deliver_queued(&app, &org).await,
        1,
        "one seat email, not two"
    );
    let mails = sent_to(&bob.email).await;
    let seat_mail = mails
        .iter()
        .find(|m| m.subject.contains("seat"))
        .expect("seat email");
    assert!(
        seat_mail
            .body
            .contains(&format!("https://roster.test/orgs/{org}/tokens"))
    );
    assert_eq!(
        unseat(&org, &admin, &bob)
            .send(&app, revoke_seat::handle)
            .await
            .status,
        204
    );
    assert_eq!(
        unseat(&org, &admin, &bob)
            .send(&app, revoke_seat::handle)
            .await
            .status,
        204
    );
    assert_eq!(seats_used(&app, &admin, &org).await, 0);
}

#[tokio::test]
async fn the_seat_limit_cannot_drop_below_usage_and_removal_frees_the_seat() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 2).await;
    let bob = User::new("bob");
    app.add_member(&admin, &org, &bob, "member", true).await;
    let patch = |limit: u32| {
        Req::patch("/orgs/{org}")
            .org(&org)
            .user(&admin)
            .json(json!({"seat_limit": limit}))
    };
    assert_eq!(
        patch(0).send(&app, update_org::handle).await.code(),
        "seat_limit_below_usage"
    );
    let removed = Req::delete("/orgs/{org}/members/{user_id}")
        .org(&org)
        .param("user_id", &bob.sub)
        .user(&admin)
        .send(&app, remove_member::handle)
        .await;
    assert_eq!(removed.status, 204);
    assert_eq!(seats_used(&app, &admin, &org).await, 0);
    assert_eq!(patch(0).send(&app, update_org::handle).await.status, 200);
}

fn role(org: &str, by: &User, target: &User, role: &str) -> Req {
    Req::put("/orgs/{org}/members/{user_id}/role")
        .org(org)
        .param("user_id", &target.sub)
        .user(by)
        .json(json!({"role": role}))
}

async fn admins(app: &TestApp, org: &str, viewer: &User) -> usize {
    Req::get("/orgs/{org}/members")
        .org(org)
        .user(viewer)
        .query("role", "admin")
        .send(app, list_members::handle)
        .await
        .json["items"]
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn admins_change_roles_but_never_their_own() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 0).await;
    let bob = User::new("bob");
    app.add_member(&admin, &org, &bob, "member", false).await;
    let own = role(&org, &admin, &admin, "member")
        .send(&app, change_role::handle)
        .await;
    assert_eq!(own.status, 403);
    assert_eq!(own.code(), "cannot_change_own_role");
    let promoted = role(&org, &admin, &bob, "admin")
        .send(&app, change_role::handle)
        .await;
    assert_eq!(promoted.status, 200);
    assert_eq!(promoted.json["role"], "admin");
    let bad = role(&org, &admin, &bob, "owner")
        .send(&app, change_role::handle)
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(admins(&app, &org, &admin).await, 2);
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_an_admin() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        let a = User::new("a");
        let org = app.create_org(&a, 0).await;
        let b = User::new("b");
        app.add_member(&a, &org, &b, "admin", false).await;
        let (x, y) = tokio::join!(
            role(&org, &a, &b, "member").send(&app, change_role::handle),
            role(&org, &b, &a, "member").send(&app, change_role::handle),
        );
        assert_eq!(
            [x.status, y.status].iter().filter(|s| **s == 200).count(),
            1,
            "{x:?} {y:?}"
        );
        let viewer = if x.status == 200 { &a } else { &b };
        assert_eq!(admins(&app, &org, viewer).await, 1);
    }
}

#[tokio::test]
async fn two_admins_removing_each_other_at_once_leave_an_admin() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        let a = User::new("a");
        let org = app.create_org(&a, 0).await;
        let b = User::new("b");
        app.add_member(&a, &org, &b, "admin", false).await;
        let remove = |by: &User, who: &User| {
            Req::delete("/orgs/{org}/members/{user_id}")
                .org(&org)
                .param("user_id", &who.sub)
                .user(by)
        };
        let (x, y) = tokio::join!(
            remove(&a, &b).send(&app, remove_member::handle),
            remove(&b, &a).send(&app, remove_member::handle),
        );
        let survivors: Vec<&User> = [(&a, &y), (&b, &x)]
            .into_iter()
            .filter(|(_, r)| r.status != 204)
            .map(|(u, _)| u)
            .collect();
        assert_eq!(survivors.len(), 1, "{x:?} {y:?}");
        assert_eq!(admins(&app, &org, survivors[0]).await, 1);
    }
}

#[tokio::test]
async fn the_last_admin_cannot_leave_or_be_demoted() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 0).await;
    let leave = Req::delete("/orgs/{org}/members/{user_id}")
        .org(&org)
        .param("user_id", &admin.sub)
        .user(&admin)
        .send(&app, remove_member::handle)
        .await;
    assert_eq!(leave.status, 409);
    assert_eq!(leave.code(), "last_admin");
    let bob = User::new("bob");
    app.add_member(&admin, &org, &bob, "member", false).await;
    let left = Req::delete("/orgs/{org}/members/{user_id}")
        .org(&org)
        .param("user_id", &bob.sub)
        .user(&bob)
        .send(&app, remove_member::handle)
        .await;
    assert_eq!(left.status, 204, "members may leave");
}
