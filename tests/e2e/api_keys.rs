//! Org API keys: created by a signed-in admin, shown once, stored hashed;
//! a key acts with its role in its org only, through the real authorizer
//! code, until it is revoked or expires; the audit log names it.

use chrono::Duration;
use roster::http::routes::{
    assign_seat, change_role, create_api_key, create_org, introspect_token, invite_members,
    issue_token, list_api_keys, list_audit_events, list_members, list_my_orgs, revoke_api_key,
};
use roster_tests::{Req, Resp, TestApp, User, mail};
use serde_json::json;

async fn create_key(app: &TestApp, org: &str, admin: &User, role: &str) -> Resp {
    Req::post("/orgs/{org}/api-keys")
        .org(org)
        .user(admin)
        .json(json!({"name": "nightly sync", "role": role, "expires_in_days": 30}))
        .send(app, create_api_key::handle)
        .await
}

/// A new org with its admin, and a key of `role` in it (the key's secret).
async fn org_with_key(app: &TestApp, role: &str) -> (String, User, String, String) {
    let admin = User::new("admin");
    let org = app.create_org(&admin, 5).await;
    let resp = create_key(app, &org, &admin, role).await;
    assert_eq!(resp.status, 201, "{}", resp.body);
    let key = resp.json["key"].as_str().unwrap().to_owned();
    let id = resp.json["id"].as_str().unwrap().to_owned();
    (org, admin, key, id)
}

async fn keys(app: &TestApp, org: &str, admin: &User) -> Resp {
    Req::get("/orgs/{org}/api-keys")
        .org(org)
        .user(admin)
        .send(app, list_api_keys::handle)
        .await
}

#[tokio::test]
async fn a_key_is_shown_once_listed_without_its_secret_and_stored_as_its_hash() {
    let app = TestApp::spawn().await;
    let (org, admin, key, id) = org_with_key(&app, "billing_manager").await;
    assert!(key.starts_with("rk_") && key.len() == 3 + 43, "{key}");
    let listed = keys(&app, &org, &admin).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let item = &listed.json["items"][0];
    assert_eq!(item["id"], json!(id));
    assert_eq!(item["role"], "billing_manager");
    assert_eq!(item["created_by"], json!(admin.email));
    assert_eq!(item["last_used_at"], json!(null));
    assert!(item.get("key").is_none());
    assert!(!listed.body.contains(&key[3..]));
    assert!(
        !app.table_dump().await.contains(&key[3..]),
        "no secret at rest"
    );
}

#[tokio::test]
async fn a_script_with_only_a_key_invites_seats_and_issues_a_token_and_the_audit_log_names_the_key()
{
    let app = TestApp::spawn().await;
    let (org, admin, key, id) = org_with_key(&app, "admin").await;
    let bob = User::new("bob");

    // The invitation, by the key.
    let invited = Req::post("/orgs/{org}/invitations")
        .org(&org)
        .bearer(&key)
        .json(json!({"emails": [bob.email], "role": "member", "seat": false}))
        .send(&app, invite_members::handle)
        .await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    assert_eq!(
        invited.json["results"][0]["outcome"], "invited",
        "{}",
        invited.body
    );
    // Bob accepts (a person's step), then the key seats him and issues his token.
    mail::deliver_queued(&app, &org).await;
    let link = mail::latest_invite_token(&bob.email)
        .await
        .expect("the invitation mail");
    let sent = mail::sent_to(&bob.email).await;
    assert!(
        sent.iter().any(|m| m.body.contains(&admin.email)),
        "the mail names the admin who created the key"
    );
    assert_eq!(app.accept(&bob, &link).await.status, 200);
    let seated = Req::put("/orgs/{org}/members/{user_id}/seat")
        .org(&org)
        .param("user_id", &bob.sub)
        .bearer(&key)
        .send(&app, assign_seat::handle)
        .await;
    assert_eq!(seated.status, 200, "{}", seated.body);
    let issued = Req::post("/orgs/{org}/members/{user_id}/tokens")
        .org(&org)
        .param("user_id", &bob.sub)
        .bearer(&key)
        .json(json!({"name": "ci"}))
        .send(&app, issue_token::handle)
        .await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    let introspected = Req::post("/tokens/introspect")
        .json(json!({"token": issued.json["token"]}))
        .send(&app, introspect_token::handle)
        .await;
    assert_eq!(introspected.json["active"], true);

    let audit = Req::get("/orgs/{org}/audit")
        .org(&org)
        .user(&admin)
        .send(&app, list_audit_events::handle)
        .await;
    let by_key: Vec<&serde_json::Value> = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor_id"] == json!(format!("apikey:{id}")))
        .collect();
    let actions: Vec<&str> = by_key
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in ["seat.assigned", "token.issued"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert!(
        by_key
            .iter()
            .all(|e| e["actor"] == json!(format!("API key \"nightly sync\" ({id})"))),
        "{by_key:?}"
    );
    // Its use is recorded (at most hourly).
    let listed = keys(&app, &org, &admin).await;
    assert_ne!(listed.json["items"][0]["last_used_at"], json!(null));
}

#[tokio::test]
async fn a_key_acts_in_its_own_org_only_and_never_as_a_person() {
    let app = TestApp::spawn().await;
    let (_, _, key, _) = org_with_key(&app, "admin").await;
    let other_admin = User::new("other");
    let other = app.create_org(&other_admin, 5).await;
    let elsewhere = Req::get("/orgs/{org}/members")
        .org(&other)
        .bearer(&key)
        .send(&app, list_members::handle)
        .await;
    assert_eq!((elsewhere.status, elsewhere.code()), (404, "org_not_found"));

    let new_org = Req::post("/orgs")
        .bearer(&key)
        .json(json!({"slug": roster_tests::slug(), "name": "Key Co"}))
        .send(&app, create_org::handle)
        .await;
    assert_eq!((new_org.status, new_org.code()), (403, "person_required"));
    let mine = Req::get("/me/orgs")
        .bearer(&key)
        .send(&app, list_my_orgs::handle)
        .await;
    assert_eq!((mine.status, mine.code()), (403, "person_required"));
}

#[tokio::test]
async fn a_billing_manager_key_cannot_invite_and_no_key_can_manage_keys() {
    let app = TestApp::spawn().await;
    let (org, _, key, id) = org_with_key(&app, "billing_manager").await;
    let invited = Req::post("/orgs/{org}/invitations")
        .org(&org)
        .bearer(&key)
        .json(json!({"emails": ["x@example.com"], "role": "member", "seat": false}))
        .send(&app, invite_members::handle)
        .await;
    assert_eq!((invited.status, invited.code()), (403, "forbidden"));
    // What billing managers may do, the key may.
    let members = Req::get("/orgs/{org}/members")
        .org(&org)
        .bearer(&key)
        .send(&app, list_members::handle)
        .await;
    assert_eq!(members.status, 200, "{}", members.body);

    let (org, _, admin_key, _) = org_with_key(&app, "admin").await;
    let minted = Req::post("/orgs/{org}/api-keys")
        .org(&org)
        .bearer(&admin_key)
        .json(json!({"name": "successor", "role": "admin"}))
        .send(&app, create_api_key::handle)
        .await;
    assert_eq!((minted.status, minted.code()), (403, "person_required"));
    let revoked = Req::delete("/orgs/{org}/api-keys/{id}")
        .org(&org)
        .param("id", &id)
        .bearer(&admin_key)
        .send(&app, revoke_api_key::handle)
        .await;
    assert_eq!((revoked.status, revoked.code()), (403, "person_required"));
}

#[tokio::test]
async fn a_revoked_or_expired_key_gets_401_naming_why() {
    let app = TestApp::spawn().await;
    let (org, admin, key, id) = org_with_key(&app, "admin").await;
    let members = |key: String| {
        let (app, org) = (&app, org.clone());
        async move {
            Req::get("/orgs/{org}/members")
                .org(&org)
                .bearer(&key)
                .send(app, list_members::handle)
                .await
        }
    };
    assert_eq!(members(key.clone()).await.status, 200);
    let revoked = Req::delete("/orgs/{org}/api-keys/{id}")
        .org(&org)
        .param("id", &id)
        .user(&admin)
        .send(&app, revoke_api_key::handle)
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    let refused = members(key.clone()).await;
    assert_eq!((refused.status, refused.code()), (401, "unauthenticated"));
    assert_eq!(refused.json["reason"], "the API key is unknown or revoked");
    assert!(
        refused.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer error=\"invalid_token\"")
    );
    let again = Req::delete("/orgs/{org}/api-keys/{id}")
        .org(&org)
        .param("id", &id)
        .user(&admin)
        .send(&app, revoke_api_key::handle)
        .await;
    assert_eq!((again.status, again.code()), (404, "api_key_not_found"));

    let (org2, _, key2, _) = org_with_key(&app, "admin").await;
    app.clock.advance(Duration::days(30));
    let expired = Req::get("/orgs/{org}/members")
        .org(&org2)
        .bearer(&key2)
        .send(&app, list_members::handle)
        .await;
    assert_eq!(expired.status, 401);
    assert_eq!(expired.json["reason"], "the API key has expired");
    let malformed = members("rk_short".into()).await;
    assert_eq!(malformed.json["reason"], "the API key is malformed");
}

#[tokio::test]
async fn only_admins_create_keys_and_keys_are_admin_or_billing_manager() {
    let app = TestApp::spawn().await;
    let admin = User::new("admin");
    let org = app.create_org(&admin, 5).await;
    let bm = User::new("bm");
    app.add_member(&admin, &org, &bm, "billing_manager", false)
        .await;
    let by_bm = create_key(&app, &org, &bm, "billing_manager").await;
    assert_eq!((by_bm.status, by_bm.code()), (403, "forbidden"));
    let member_key = create_key(&app, &org, &admin, "member").await;
    assert_eq!(member_key.status, 400, "{}", member_key.body);
    assert_eq!(member_key.json["errors"][0]["field"], "role");
    let forever = Req::post("/orgs/{org}/api-keys")
        .org(&org)
        .user(&admin)
        .json(json!({"name": "forever", "role": "admin", "expires_in_days": 366}))
        .send(&app, create_api_key::handle)
        .await;
    assert_eq!(forever.status, 400, "{}", forever.body);
}

#[tokio::test]
async fn a_key_never_makes_an_admin_but_its_billing_manager_invitations_can_be_accepted() {
    let app = TestApp::spawn().await;
    let (org, _, key, _) = org_with_key(&app, "admin").await;
    let bob = User::new("bob");
    let invite = |role: &str| {
        Req::post("/orgs/{org}/invitations")
            .org(&org)
            .bearer(&key)
            .json(json!({"emails": [bob.email], "role": role}))
    };
    let admin = invite("admin").send(&app, invite_members::handle).await;
    assert_eq!((admin.status, admin.code()), (403, "person_required"));
    let csv = format!("email,role\n{},admin\n", bob.email);
    let admin_row = Req::post("/orgs/{org}/invitations")
        .org(&org)
        .bearer(&key)
        .csv(csv)
        .send(&app, invite_members::handle)
        .await;
    assert_eq!(
        (admin_row.status, admin_row.code()),
        (403, "person_required")
    );

    // A billing manager's invitation, sent by the key, is accepted: the key
    // stands in for the inviter whose right to grant the role is checked.
    let sent = invite("billing_manager")
        .send(&app, invite_members::handle)
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    mail::deliver_queued(&app, &org).await;
    let link = mail::latest_invite_token(&bob.email)
        .await
        .expect("the mail");
    let accepted = app.accept(&bob, &link).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);

    let promote = |role: &str| {
        Req::put("/orgs/{org}/members/{user_id}/role")
            .org(&org)
            .param("user_id", &bob.sub)
            .bearer(&key)
            .json(json!({"role": role}))
    };
    let to_admin = promote("admin").send(&app, change_role::handle).await;
    assert_eq!((to_admin.status, to_admin.code()), (403, "person_required"));
    let to_member = promote("member").send(&app, change_role::handle).await;
    assert_eq!(to_member.status, 200, "{}", to_member.body);
}

#[tokio::test]
async fn a_key_dies_with_its_creators_admin_role() {
    let app = TestApp::spawn().await;
    let (org, alice, key, _) = org_with_key(&app, "billing_manager").await;
    let carol = User::new("carol");
    app.enroll(&org, &carol, "admin", false).await;
    let members = || {
        Req::get("/orgs/{org}/members")
            .org(&org)
            .bearer(&key)
            .send(&app, list_members::handle)
    };
    assert_eq!(members().await.status, 200);
    let demoted = Req::put("/orgs/{org}/members/{user_id}/role")
        .org(&org)
        .param("user_id", &alice.sub)
        .user(&carol)
        .json(json!({"role": "member"}))
        .send(&app, change_role::handle)
        .await;
    assert_eq!(demoted.status, 200, "{}", demoted.body);
    let refused = members().await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(
        refused.json["reason"],
        "the API key's creator is no longer an admin of its organization"
    );
}
