//! Directory sync through the real `scim`, `join-org` and
//! `set-group-grants` handlers: who a directory user becomes, what groups
//! grant, the org's rules under SCIM, the keys that reach it, and the
//! DynamoDB calls of each single-resource request.

use roster::http::routes::{
    assign_seat, create_api_key, get_directory, join_org, list_audit_events, list_members,
    remove_member, scim, set_group_grants,
};
use roster_tests::{Req, Resp, TestApp, User};
use serde_json::{Value, json};

/// A new org with its admin and a directory sync key (its secret and id).
pub async fn scim_org(app: &TestApp, seat_limit: u32) -> (String, User, String, String) {
    let admin = User::new("admin");
    let org = app.create_org(&admin, seat_limit).await;
    let resp = Req::post("/orgs/{org}/api-keys")
        .org(&org)
        .user(&admin)
        .json(json!({"name": "okta", "scope": "scim"}))
        .send(app, create_api_key::handle)
        .await;
    assert_eq!(resp.status, 201, "{}", resp.body);
    assert_eq!(resp.json["scope"], "scim");
    assert_eq!(resp.json["role"], "admin");
    let key = resp.json["key"].as_str().unwrap().to_owned();
    let id = resp.json["id"].as_str().unwrap().to_owned();
    (org, admin, key, id)
}

/// A SCIM request to `resource` (below the org's base URL) with `key`.
pub fn scim_req(method: http::Method, org: &str, key: &str, resource: &str) -> Req {
    Req::new(method, "/scim/v2/orgs/{org}/{resource+}")
        .org(org)
        .param("resource", resource)
        .bearer(key)
}

pub async fn create_user(app: &TestApp, org: &str, key: &str, email: &str) -> Value {
    let resp = scim_req(http::Method::POST, org, key, "Users")
        .json(json!({"userName": email, "emails": [{"value": email, "primary": true}]}))
        .send(app, scim::handle)
        .await;
    assert_eq!(resp.status, 201, "{}", resp.body);
    resp.json
}

async fn patch(app: &TestApp, org: &str, key: &str, resource: &str, ops: Value) -> Resp {
    scim_req(http::Method::PATCH, org, key, resource)
        .json(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}))
        .send(app, scim::handle)
        .await
}

async fn create_group(
    app: &TestApp,
    org: &str,
    key: &str,
    name: &str,
    members: &[&Value],
) -> Value {
    let resp = scim_req(http::Method::POST, org, key, "Groups")
        .json(json!({"displayName": name,
            "members": members.iter().map(|u| json!({"value": u["id"]})).collect::<Vec<_>>()}))
        .send(app, scim::handle)
        .await;
    assert_eq!(resp.status, 201, "{}", resp.body);
    resp.json
}

async fn grant(app: &TestApp, org: &str, admin: &User, group: &Value, grants: Value) -> Resp {
    Req::put("/orgs/{org}/directory/groups/{group}")
        .org(org)
        .param("group", group["id"].as_str().unwrap())
        .user(admin)
        .json(json!({"grants": grants}))
        .send(app, set_group_grants::handle)
        .await
}

async fn members(app: &TestApp, org: &str, admin: &User) -> Vec<Value> {
    let resp = Req::get("/orgs/{org}/members")
        .org(org)
        .user(admin)
        .query("limit", "200")
        .send(app, list_members::handle)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    resp.json["items"].as_array().unwrap().clone()
}

fn by_email<'a>(members: &'a [Value], email: &str) -> Option<&'a Value> {
    members.iter().find(|m| m["email"] == email)
}

#[tokio::test]
async fn a_provisioned_person_signs_in_and_joins_with_the_role_and_seat_their_groups_give() {
    let app = TestApp::spawn().await;
    let (org, admin, key, _) = scim_org(&app, 5).await;
    let bob = User::new("bob");
    let user = create_user(&app, &org, &key, &bob.email).await;
    let group = create_group(&app, &org, &key, "Billing", &[&user]).await;
    assert_eq!(
        grant(&app, &org, &admin, &group, json!("billing_manager"))
            .await
            .status,
        200
    );
    let group2 = create_group(&app, &org, &key, "Licensed", &[&user]).await;
    assert_eq!(
        grant(&app, &org, &admin, &group2, json!("seat"))
            .await
            .status,
        200
    );

    let listed = members(&app, &org, &admin).await;
    let placeholder = by_email(&listed, &bob.email).expect("a member at once");
    assert!(
        placeholder["user_id"]
            .as_str()
            .unwrap()
            .starts_with("directory:")
    );
    assert_eq!(placeholder["role"], "billing_manager");

    let joined = Req::post("/orgs/{org}/join")
        .org(&org)
        .user(&bob)
        .send(&app, join_org::handle)
        .await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    assert_eq!(joined.json["user_id"], json!(bob.sub));
    assert_eq!(joined.json["role"], "billing_manager");
    assert!(joined.json["seat"].is_object());
    let again = Req::post("/orgs/{org}/join")
        .org(&org)
        .user(&bob)
        .send(&app, join_org::handle)
        .await;
    assert_eq!(again.status, 409, "{}", again.body);
    let listed = members(&app, &org, &admin).await;
    assert_eq!(listed.len(), 2, "the placeholder became bob: {listed:?}");

    // The directory still manages him: deactivated, his seat goes.
    let off = patch(
        &app,
        &org,
        &key,
        &format!("Users/{}", user["id"].as_str().unwrap()),
        json!([{"op": "replace", "path": "active", "value": false}]),
    )
    .await;
    assert_eq!(off.status, 200, "{}", off.body);
    let listed = members(&app, &org, &admin).await;
    assert!(by_email(&listed, &bob.email).unwrap()["seat"].is_null());
}

#[tokio::test]
async fn someone_not_provisioned_cannot_join() {
    let app = TestApp::spawn().await;
    let (org, _, key, _) = scim_org(&app, 5).await;
    let carol = User::new("carol");
    create_user(&app, &org, &key, &carol.email).await;
    let dave = User::new("dave");
    let refused = Req::post("/orgs/{org}/join")
        .org(&org)
        .user(&dave)
        .send(&app, join_org::handle)
        .await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    assert_eq!(refused.json["code"], "not_provisioned");
    let none = Req::post("/me/join")
        .user(&dave)
        .send(&app, join_org::handle)
        .await;
    assert_eq!(none.status, 200, "{}", none.body);
    assert_eq!(none.json, json!({"joined": []}));

    // Carol signs in: the console joins her to every org that provisioned her.
    let all = Req::post("/me/join")
        .user(&carol)
        .send(&app, join_org::handle)
        .await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.json["joined"][0]["org"], json!(org));
    assert_eq!(all.json["joined"][0]["member"]["user_id"], json!(carol.sub));
    let again = Req::post("/me/join")
        .user(&carol)
        .send(&app, join_org::handle)
        .await;
    assert_eq!(again.json, json!({"joined": []}), "joined once");
}

#[tokio::test]
async fn a_group_push_over_the_seat_limit_is_refused_whole_and_audited() {
    let app = TestApp::spawn().await;
    let (org, admin, key, key_id) = scim_org(&app, 2).await;
    let mut users = Vec::new();
    for i in 0..3 {
        users.push(
            create_user(
                &app,
                &org,
                &key,
                &format!("p{i}-{}@example.com", roster_tests::slug()),
            )
            .await,
        );
    }
    let group = create_group(&app, &org, &key, "Licensed", &[]).await;
    assert_eq!(
        grant(&app, &org, &admin, &group, json!("seat"))
            .await
            .status,
        200
    );
    let gid = group["id"].as_str().unwrap();
    let three: Vec<Value> = users.iter().map(|u| json!({"value": u["id"]})).collect();
    let refused = patch(
        &app,
        &org,
        &key,
        &format!("Groups/{gid}"),
        json!([{"op": "add", "path": "members", "value": three}]),
    )
    .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.content_type, "application/scim+json");
    assert!(
        refused.json["detail"].as_str().unwrap().contains("seat"),
        "{}",
        refused.body
    );
    let listed = members(&app, &org, &admin).await;
    assert!(
        listed.iter().all(|m| m["seat"].is_null()),
        "nothing was written: {listed:?}"
    );

    // Linking a full group is refused the same way, from the console.
    let full = create_group(
        &app,
        &org,
        &key,
        "Everyone",
        &users.iter().collect::<Vec<_>>(),
    )
    .await;
    let relink = grant(&app, &org, &admin, &full, json!("seat")).await;
    assert_eq!(relink.status, 409, "{}", relink.body);
    assert_eq!(relink.json["code"], "no_seats_available");

    let audit = Req::get("/orgs/{org}/audit")
        .org(&org)
        .user(&admin)
        .send(&app, list_audit_events::handle)
        .await;
    let refusals: Vec<&Value> = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "directory.change_refused")
        .collect();
    assert_eq!(refusals.len(), 2, "{}", audit.body);
    // One by the directory's key (the push), one by the admin (the link).
    let mut actors: Vec<String> = refusals
        .iter()
        .map(|e| e["actor_id"].as_str().unwrap().to_owned())
        .collect();
    actors.sort();
    let mut expected = vec![format!("apikey:{key_id}"), admin.sub.clone()];
    expected.sort();
    assert_eq!(actors, expected);
}

#[tokio::test]
async fn the_last_admin_cannot_be_deprovisioned_or_ungrouped() {
    let app = TestApp::spawn().await;
    let (org, admin, key, _) = scim_org(&app, 5).await;
    // The admin who created the org is bound to the directory by address.
    let bound = create_user(&app, &org, &key, &admin.email).await;
    assert_eq!(
        members(&app, &org, &admin).await.len(),
        1,
        "bound, not duplicated"
    );
    let refused = scim_req(
        http::Method::DELETE,
        &org,
        &key,
        &format!("Users/{}", bound["id"].as_str().unwrap()),
    )
    .send(&app, scim::handle)
    .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(members(&app, &org, &admin).await.len(), 1);

    // An admins group holding them: emptying it would leave no admin.
    let admins = create_group(&app, &org, &key, "Admins", &[&bound]).await;
    assert_eq!(
        grant(&app, &org, &admin, &admins, json!("admin"))
            .await
            .status,
        200
    );
    let emptied = patch(
        &app,
        &org,
        &key,
        &format!("Groups/{}", admins["id"].as_str().unwrap()),
        json!([{"op": "remove", "path": "members"}]),
    )
    .await;
    assert_eq!(emptied.status, 409, "{}", emptied.body);
}

#[tokio::test]
async fn user_names_are_unique_case_insensitively_and_versions_guard_writes() {
    let app = TestApp::spawn().await;
    let (org, _, key, _) = scim_org(&app, 5).await;
    let email = format!("dup-{}@example.com", roster_tests::slug());
    let user = create_user(&app, &org, &key, &email).await;
    let dup = scim_req(http::Method::POST, &org, &key, "Users")
        .json(json!({"userName": email.to_uppercase(), "emails": [{"value": format!("x{email}")}]}))
        .send(&app, scim::handle)
        .await;
    assert_eq!(dup.status, 409, "{}", dup.body);
    assert_eq!(dup.json["scimType"], "uniqueness");

    let path = format!("Users/{}", user["id"].as_str().unwrap());
    let stale = scim_req(http::Method::PUT, &org, &key, &path)
        .header("if-match", "W/\"7\"")
        .json(json!({"userName": email, "displayName": "X"}))
        .send(&app, scim::handle)
        .await;
    assert_eq!(stale.status, 412, "{}", stale.body);
    let fresh = scim_req(http::Method::PUT, &org, &key, &path)
        .header("if-match", user["meta"]["version"].as_str().unwrap())
        .json(json!({"userName": email, "displayName": "X"}))
        .send(&app, scim::handle)
        .await;
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    assert_eq!(fresh.json["meta"]["version"], "W/\"2\"");
}

#[tokio::test]
async fn only_the_orgs_directory_key_reaches_scim_and_it_reaches_nothing_else() {
    let app = TestApp::spawn().await;
    let (org, admin, key, _) = scim_org(&app, 5).await;
    let (other_org, _, other_key, _) = scim_org(&app, 5).await;
    let api_key = Req::post("/orgs/{org}/api-keys")
        .org(&org)
        .user(&admin)
        .json(json!({"name": "script", "role": "admin"}))
        .send(&app, create_api_key::handle)
        .await
        .json["key"]
        .as_str()
        .unwrap()
        .to_owned();
    for (who, credential, status) in [
        ("an api key", api_key.as_str(), 401),
        ("another org's directory key", other_key.as_str(), 404),
    ] {
        let resp = scim_req(http::Method::GET, &org, credential, "Users")
            .send(&app, scim::handle)
            .await;
        assert_eq!(resp.status, status, "{who}: {}", resp.body);
        assert_eq!(
            resp.json["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error"
        );
    }
    let person = scim_req(http::Method::GET, &org, "", "Users")
        .user(&admin)
        .send(&app, scim::handle)
        .await;
    assert_eq!(person.status, 401, "{}", person.body);
    let on_api = Req::get("/orgs/{org}/members")
        .org(&other_org)
        .bearer(&other_key)
        .send(&app, list_members::handle)
        .await;
    assert_eq!(on_api.status, 401, "{}", on_api.body);
    // A directory key cannot be used by scripts to assign seats either.
    let seat = Req::put("/orgs/{org}/members/{user_id}/seat")
        .org(&org)
        .param("user_id", &admin.sub)
        .bearer(&key)
        .send(&app, assign_seat::handle)
        .await;
    assert_eq!(seat.status, 401, "{}", seat.body);
}

#[tokio::test]
async fn a_member_removed_through_the_api_is_unbound_and_the_directory_sees_it_gone() {
    let app = TestApp::spawn().await;
    let (org, admin, key, _) = scim_org(&app, 5).await;
    let erin = User::new("erin");
    let user = create_user(&app, &org, &key, &erin.email).await;
    let listed = members(&app, &org, &admin).await;
    let placeholder = by_email(&listed, &erin.email).unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let removed = Req::delete("/orgs/{org}/members/{user_id}")
        .org(&org)
        .param("user_id", &placeholder)
        .user(&admin)
        .send(&app, remove_member::handle)
        .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    // Deprovisioning later finds no member and removes just the user.
    let gone = scim_req(
        http::Method::DELETE,
        &org,
        &key,
        &format!("Users/{}", user["id"].as_str().unwrap()),
    )
    .send(&app, scim::handle)
    .await;
    assert_eq!(gone.status, 204, "{}", gone.body);
}

#[tokio::test]
async fn single_resource_scim_requests_cost_at_most_two_dynamodb_calls() {
    let app = TestApp::spawn().await;
    let (org, admin, key, _) = scim_org(&app, 5).await;
    let email = format!("count-{}@example.com", roster_tests::slug());
    let user = create_user(&app, &org, &key, &email).await;
    let id = user["id"].as_str().unwrap().to_owned();
    let user_path = format!("Users/{id}");
    let grouped = create_user(&app, &org, &key, &format!("grouped-{email}")).await;
    create_group(&app, &org, &key, "Some", &[&grouped]).await;
    let grouped_path = format!("Users/{}", grouped["id"].as_str().unwrap());
    let filter = format!("userName eq \"{}\"", email.to_uppercase());
    let cases: Vec<(&str, Req, usize)> = vec![
        (
            "create",
            scim_req(http::Method::POST, &org, &key, "Users").json(
                json!({"userName": format!("n{email}"), "emails": [{"value": format!("n{email}")}]}),
            ),
            2,
        ),
        ("get by id", scim_req(http::Method::GET, &org, &key, &user_path), 1),
        (
            "find by userName",
            scim_req(http::Method::GET, &org, &key, "Users").query("filter", &filter),
            2,
        ),
        (
            "patch (no change of active)",
            scim_req(http::Method::PATCH, &org, &key, &user_path).json(json!({"Operations": [
                {"op": "replace", "path": "displayName", "value": "Counted"}]})),
            2,
        ),
        (
            "put",
            scim_req(http::Method::PUT, &org, &key, &user_path)
                .json(json!({"userName": email, "displayName": "Put"})),
            2,
        ),
        (
            "patch active (a member not signed in yet, in no group)",
            scim_req(http::Method::PATCH, &org, &key, &user_path).json(json!({"Operations": [
                {"op": "replace", "path": "active", "value": false}]})),
            2,
        ),
        (
            "patch active (in a group: its member and groups in one more read)",
            scim_req(http::Method::PATCH, &org, &key, &grouped_path).json(json!({"Operations": [
                {"op": "replace", "path": "active", "value": false}]})),
            3,
        ),
        (
            "delete (a member not signed in yet, in no group)",
            scim_req(http::Method::DELETE, &org, &key, &user_path),
            2,
        ),
    ];
    for (name, req, max) in cases {
        // The key's check is the authorizer's (its own Lambda, deployed):
        // measured alone and left out of the function's count.
        app.calls.reset();
        roster::authorizer::api_key(&app.app, &key).await.unwrap();
        let authorizer = app.calls.total();
        app.calls.reset();
        let resp = req.send(&app, scim::handle).await;
        assert!(resp.status < 300, "{name}: {}", resp.body);
        let used = app.calls.total() - authorizer;
        assert!(
            used <= max,
            "{name} used {used} DynamoDB calls (max {max}): {:?}",
            app.calls.by_operation()
        );
    }
    app.calls.reset();
    let resp = Req::get("/orgs/{org}/directory")
        .org(&org)
        .user(&admin)
        .send(&app, get_directory::handle)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(resp.json["users"], 2);
    assert!(
        app.calls.total() <= 3,
        "get-directory: {}",
        app.calls.total()
    );
}

#[tokio::test]
async fn a_large_group_push_moves_everyone_in_paced_chunks_and_a_replay_moves_no_one() {
    let app = TestApp::spawn().await;
    let (org, admin, key, _) = scim_org(&app, 200).await;
    let tag = roster_tests::slug();
    let mut users = Vec::new();
    for i in 0..100 {
        users.push(create_user(&app, &org, &key, &format!("big{i}-{tag}@example.com")).await);
    }
    let group = create_group(&app, &org, &key, "Everyone", &[]).await;
    assert_eq!(
        grant(&app, &org, &admin, &group, json!("seat"))
            .await
            .status,
        200
    );
    let path = format!("Groups/{}", group["id"].as_str().unwrap());
    let all: Vec<Value> = users.iter().map(|u| json!({"value": u["id"]})).collect();
    let push = || {
        scim_req(http::Method::PUT, &org, &key, &path)
            .json(json!({"displayName": "Everyone", "members": all}))
    };
    app.calls.reset();
    let pushed = push().send(&app, scim::handle).await;
    assert_eq!(pushed.status, 200, "{}", pushed.body);
    let writes = app.calls.by_operation().get("TransactWriteItems").copied();
    assert_eq!(
        writes,
        Some(3),
        "100 users in chunks of 45, the group with the last"
    );
    let listed = members(&app, &org, &admin).await;
    assert_eq!(listed.iter().filter(|m| m["seat"].is_object()).count(), 100);
    let user = scim_req(
        http::Method::GET,
        &org,
        &key,
        &format!("Users/{}", users[99]["id"].as_str().unwrap()),
    )
    .send(&app, scim::handle)
    .await;
    assert_eq!(user.json["groups"][0]["value"], group["id"]);

    app.calls.reset();
    let replayed = push().send(&app, scim::handle).await;
    assert_eq!(replayed.status, 200, "{}", replayed.body);
    assert_eq!(
        app.calls.by_operation().get("TransactWriteItems"),
        None,
        "the same push again writes nothing"
    );
}

#[tokio::test]
async fn the_seats_a_directory_gives_and_takes_are_published_as_events() {
    let app = TestApp::spawn().await;
    let (org, admin, key, _) = scim_org(&app, 5).await;
    let email = |n: &str| format!("{n}-{}@example.com", roster_tests::slug());
    let (ann, ben) = (email("ann"), email("ben"));
    let a = create_user(&app, &org, &key, &ann).await;
    let b = create_user(&app, &org, &key, &ben).await;
    let group = create_group(&app, &org, &key, "Licensed", &[]).await;
    assert_eq!(
        grant(&app, &org, &admin, &group, json!("seat"))
            .await
            .status,
        200
    );
    let gid = group["id"].as_str().unwrap();
    let both = json!([{"value": a["id"]}, {"value": b["id"]}]);
    let added = patch(
        &app,
        &org,
        &key,
        &format!("Groups/{gid}"),
        json!([{"op": "add", "path": "members", "value": both}]),
    )
    .await;
    assert!(added.status < 300, "{}", added.body);
    app.clock.advance(chrono::Duration::seconds(1));
    let off = patch(
        &app,
        &org,
        &key,
        &format!("Users/{}", a["id"].as_str().unwrap()),
        json!([{"op": "replace", "path": "active", "value": false}]),
    )
    .await;
    assert_eq!(off.status, 200, "{}", off.body);
    app.clock.advance(chrono::Duration::seconds(1));
    let deleted = scim_req(
        http::Method::DELETE,
        &org,
        &key,
        &format!("Users/{}", b["id"].as_str().unwrap()),
    )
    .send(&app, scim::handle)
    .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);

    roster_tests::events::publish_org(&app, &org).await;
    let feed = Req::get("/orgs/{org}/events")
        .org(&org)
        .user(&admin)
        .send(&app, roster::http::routes::list_events::handle)
        .await;
    let seen: Vec<(String, String)> = feed.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_owned(),
                e["data"]["email"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    // One push seats both, in no particular order.
    let mut seen = seen;
    seen[..2].sort();
    let want = [
        ("seat.assigned", &ann),
        ("seat.assigned", &ben),
        ("seat.revoked", &ann),
        ("member.removed", &ben),
        ("seat.revoked", &ben),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(t, e)| (t.to_string(), e.to_string()))
        .collect();
    assert_eq!(seen, want, "{}", feed.body);
}
