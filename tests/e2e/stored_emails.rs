//! Addresses stored under the earlier, looser `Email::parse` rules still read
//! back: the store decodes with `Email::from_stored`,
//! so such an item is listed and read, not reported as corrupt (a 500 for
//! the whole org). The items are written by hand through the store's own
//! put, as the earlier code wrote them: the crate's item builders, with the
//! stored string as the address.

use chrono::Duration;
use roster::domain::{Email, EmailStatus, Invitation, Member, OrgSlug, Role, UserId};
use roster::http::routes::{get_member, list_invitations, list_members, remove_member};
use roster::store::{Action, invitations, members};
use roster_tests::{Req, TestApp, User};
use serde_json::json;

/// Each accepted by the first `Email::parse` (lower-cased RFC 5322 syntax)
/// and not by today's as stored: a quoted local part and a non-ASCII local
/// part are refused, an IDN domain is rewritten to punycode.
const LEGACY: [&str; 3] = [
    "\"old school\"@example.com",
    "jos\u{e9}@example.com",
    "a@b\u{fc}cher.example",
];

fn legacy(raw: &str) -> Email {
    assert_ne!(
        Email::parse(raw).as_ref().map(Email::as_str),
        Ok(raw),
        "{raw:?} is accepted as is today"
    );
    Email::from_stored(raw).expect("a stored address")
}

#[tokio::test]
async fn members_stored_with_addresses_the_old_rules_accepted_are_listed_read_and_removed() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let slug = OrgSlug::parse(&org).unwrap();
    let mut ids = Vec::new();
    for (i, raw) in LEGACY.iter().enumerate() {
        let member = Member {
            user_id: UserId::parse(&format!("legacy-{i}-{org}")).unwrap(),
            email: legacy(raw),
            role: Role::Member,
            seat_assigned_at: None,
            seat_epoch: 0,
            joined_at: app.clock_now(),
            seat_last_used_at: None,
        };
        for item in [
            members::to_item(&slug, &member),
            members::email_item(&slug, &member),
        ] {
            app.app.store.write(Action::put(item)).await.unwrap();
        }
        ids.push(member.user_id.as_str().to_owned());
    }

    let list = Req::get("/orgs/{org}/members")
        .org(&org)
        .user(&alice)
        .send(&app, list_members::handle)
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    for raw in LEGACY {
        assert!(
            list.json["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["email"] == json!(raw)),
            "{raw:?} not listed: {}",
            list.body
        );
    }
    for (id, raw) in ids.iter().zip(LEGACY) {
        let read = Req::get("/orgs/{org}/members/{user_id}")
            .org(&org)
            .param("user_id", id)
            .user(&alice)
            .send(&app, get_member::handle)
            .await;
        assert_eq!(read.status, 200, "{}", read.body);
        assert_eq!(read.json["email"], json!(raw));
    }
    // The org stays manageable: the member and its email index item go.
    let removed = Req::delete("/orgs/{org}/members/{user_id}")
        .org(&org)
        .param("user_id", &ids[0])
        .user(&alice)
        .send(&app, remove_member::handle)
        .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    let email_item = members::email_item(
        &slug,
        &Member {
            user_id: UserId::parse(&ids[0]).unwrap(),
            email: legacy(LEGACY[0]),
            role: Role::Member,
            seat_assigned_at: None,
            seat_epoch: 0,
            joined_at: app.clock_now(),
            seat_last_used_at: None,
        },
    );
    let left = app
        .app
        .store
        .client()
        .get_item()
        .table_name(app.app.store.table())
        .key("pk", email_item["pk"].clone())
        .key("sk", email_item["sk"].clone())
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    assert!(left.item.is_none(), "the email index item is left behind");
}

#[tokio::test]
async fn invitations_stored_with_addresses_the_old_rules_accepted_are_listed() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let slug = OrgSlug::parse(&org).unwrap();
    let now = app.clock_now();
    for raw in LEGACY {
        let inv = Invitation {
            org: slug.clone(),
            email: legacy(raw),
            role: Role::Member,
            seat: false,
            // An inviter whose own address is from before the rules, too.
            invited_by: legacy(LEGACY[0]),
            invited_by_id: None,
            created_at: now,
            expires_at: now + Duration::days(7),
            generation: 1,
            token_hash: None,
            reminder_hash: None,
            remind_at: None,
            email_status: EmailStatus::Sent,
        };
        app.app
            .store
            .write(Action::put(invitations::to_item(&inv)))
            .await
            .unwrap();
    }
    let list = Req::get("/orgs/{org}/invitations")
        .org(&org)
        .user(&alice)
        .send(&app, list_invitations::handle)
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    let mut listed: Vec<&str> = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["email"].as_str().unwrap())
        .collect();
    listed.sort_unstable();
    let mut expected = LEGACY.to_vec();
    expected.sort_unstable();
    assert_eq!(listed, expected, "{}", list.body);
    assert!(
        list.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["invited_by"] == json!(LEGACY[0]))
    );
}
