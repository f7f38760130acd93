//! Reading members: who may list and read whom; filters and pagination.

use roster::http::routes::{get_member, list_members};
use roster_tests::{Req, TestApp, User};
use serde_json::json;

#[tokio::test]
async fn members_read_only_themselves_and_cannot_list() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let bob = User::new("bob");
    app.add_member(&alice, &org, &bob, "member", false).await;
    let list = Req::get("/orgs/{org}/members")
        .org(&org)
        .user(&bob)
        .send(&app, list_members::handle)
        .await;
    assert_eq!(list.status, 403);
    let read = |who: &User, target: &User| {
        Req::get("/orgs/{org}/members/{user_id}")
            .org(&org)
            .param("user_id", &target.sub)
            .user(who)
            .send(&app, get_member::handle)
    };
    let own = read(&bob, &bob).await;
    assert_eq!(own.status, 200);
    assert_eq!(own.json["user_id"], json!(bob.sub));
    assert_eq!(own.json["seat"], json!(null));
    assert_eq!(read(&bob, &alice).await.status, 403);
    let nobody = Req::get("/orgs/{org}/members/{user_id}")
        .org(&org)
        .param("user_id", "nobody")
        .user(&alice)
        .send(&app, get_member::handle)
        .await;
    assert_eq!(nobody.status, 404);
    assert_eq!(nobody.code(), "member_not_found");
}

#[tokio::test]
async fn member_lists_filter_and_paginate_with_bound_cursors() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 5).await;
    for (name, seat) in [("bob", true), ("carol", false), ("dan", true)] {
        app.add_member(&alice, &org, &User::new(name), "member", seat)
            .await;
    }
    let page = |q: Vec<(&str, String)>| {
        let mut r = Req::get("/orgs/{org}/members").org(&org).user(&alice);
        for (k, v) in q {
            r = r.query(k, &v);
        }
        r.send(&app, list_members::handle)
    };
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut q = vec![("limit", "1".to_owned())];
        if let Some(c) = &cursor {
            q.push(("cursor", c.clone()));
        }
        let resp = page(q).await;
        assert_eq!(resp.status, 200, "{}", resp.body);
        seen.extend(
            resp.json["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["email"].clone()),
        );
        match resp.json["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 4);

    let seated = page(vec![("seat", "true".into())]).await;
    assert_eq!(seated.json["items"].as_array().unwrap().len(), 2);
    let admins = page(vec![("role", "admin".into())]).await;
    assert_eq!(admins.json["items"].as_array().unwrap().len(), 1);

    // A cursor from another query, or made up, is rejected.
    let first = page(vec![("limit", "1".into())]).await;
    let c = first.json["next_cursor"].as_str().unwrap().to_owned();
    let other_query = page(vec![
        ("limit", "1".into()),
        ("role", "admin".into()),
        ("cursor", c),
    ])
    .await;
    assert_eq!(other_query.status, 400);
    assert_eq!(other_query.code(), "invalid_cursor");
    let forged = page(vec![("cursor", "eyJxIjoieCJ9".into())]).await;
    assert_eq!(forged.code(), "invalid_cursor");
    let bad_limit = page(vec![("limit", "0".into())]).await;
    assert_eq!(bad_limit.status, 400);
}
