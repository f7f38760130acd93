//! Inputs built to spoof or to break things: forged cursors that
//! decode, junk CSV values, addresses that imitate others, org names that
//! look like links. Each gets a 4xx or a harmless outcome, never a 500, and
//! what reaches a mailbox carries no link but Roster's.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use roster::http::routes::*;
use roster_tests::mail::{deliver_queued, sent_to};
use roster_tests::{Req, TestApp, User, slug};
use serde_json::json;

fn cursor(q: &str, k: serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(json!({"q": q, "k": k}).to_string())
}

#[tokio::test]
async fn cursors_that_decode_but_do_not_fit_the_query_are_invalid_cursor_never_500() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let pk = format!("ORG#{org}");
    let inv_pk = format!("ORG#{org}#INV");
    let tokens_pk = format!("ORG#{org}#TOKENS#{}", alice.sub);
    let members_q = format!("members:{org}:*:*");
    let inv_q = format!("invitations:{org}:pending");
    let tokens_q = format!("tokens:{org}:{}", alice.sub);
    let audit_q = format!("audit:{org}");
    let forged = [
        ("members: no sk", cursor(&members_q, json!({"pk": pk}))),
        (
            "members: empty sk",
            cursor(&members_q, json!({"pk": pk, "sk": ""})),
        ),
        (
            "members: extra attribute",
            cursor(
                &members_q,
                json!({"pk": pk, "sk": "MEMBER#x", "gsi1pk": "x"}),
            ),
        ),
        (
            "members: 2 KB sk",
            cursor(
                &members_q,
                json!({"pk": pk, "sk": format!("MEMBER#{}", "x".repeat(1100))}),
            ),
        ),
        (
            "invitations: table key only",
            cursor(&inv_q, json!({"pk": pk, "sk": "INV#a@b.com"})),
        ),
        (
            "invitations: sk of another kind",
            cursor(
                &inv_q,
                json!({"pk": pk, "sk": "ORG", "gsi1pk": inv_pk, "gsi1sk": "9#x"}),
            ),
        ),
        (
            "invitations: before the pending range",
            cursor(
                &inv_q,
                json!({"pk": pk, "sk": "INV#a@b.com", "gsi1pk": inv_pk, "gsi1sk": "0000000000#x"}),
            ),
        ),
        (
            "tokens: no gsi1sk",
            cursor(
                &tokens_q,
                json!({"pk": pk, "sk": "TOKEN#x", "gsi1pk": tokens_pk}),
            ),
        ),
        (
            "audit: number instead of string",
            cursor(&audit_q, json!({"pk": pk, "sk": 7})),
        ),
        ("audit: not base64", "%%%".to_owned()),
    ];
    for (name, raw) in forged {
        let route = Req::get("/orgs/{org}/x")
            .org(&org)
            .user(&alice)
            .query("cursor", &raw);
        let resp = match name.split(':').next().unwrap() {
            "members" => route.send(&app, list_members::handle).await,
            "invitations" => route.send(&app, list_invitations::handle).await,
            "tokens" => route.send(&app, list_tokens::handle).await,
            _ => route.send(&app, list_audit_events::handle).await,
        };
        assert_eq!(resp.status, 400, "{name}: {}", resp.body);
        assert_eq!(resp.code(), "invalid_cursor", "{name}: {}", resp.body);
    }
}

#[tokio::test]
async fn a_junk_csv_value_is_echoed_cut_to_100_characters() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let junk = "x".repeat(50_000);
    let csv = format!("email\n{junk}\nok-{}@example.com\n", &slug()[2..]);
    let resp = Req::post("/orgs/{org}/invitations")
        .org(&org)
        .user(&alice)
        .query("dry_run", "true")
        .csv(csv)
        .send(&app, invite_members::handle)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    let row = &resp.json["results"][0];
    assert_eq!(row["outcome"], "invalid");
    let echoed = row["email"].as_str().unwrap();
    assert_eq!(echoed.chars().count(), 101, "{echoed}");
    assert!(echoed.starts_with(&"x".repeat(100)) && echoed.ends_with('\u{2026}'));
    assert!(resp.body.len() < 1_000, "{} bytes", resp.body.len());
}

#[tokio::test]
async fn addresses_that_imitate_others_are_invalid_rows() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let spoofs = [
        "\"<script>\"@example.com",
        "\u{212A}elvin@example.com",
        "bob\u{202E}moc.elgoog@example.com",
        "a\u{200B}dmin@example.com",
        "admin@exa\u{00AD}mple.com",
    ];
    let resp = app.invite(&alice, &org, &spoofs, "member", false).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(
        resp.json["summary"]["invalid"],
        spoofs.len(),
        "{}",
        resp.body
    );
    assert_eq!(resp.json["summary"]["invited"], 0);
    // An international domain is invited under its punycode form.
    let idn = app
        .invite(
            &alice,
            &org,
            &["Someone@B\u{00FC}cher.example"],
            "member",
            false,
        )
        .await;
    assert_eq!(
        idn.json["results"][0]["email"], "someone@xn--bcher-kva.example",
        "{}",
        idn.body
    );
    assert_eq!(idn.json["results"][0]["outcome"], "invited");
}

#[tokio::test]
async fn an_org_name_that_is_a_link_is_refused_and_a_dotted_one_is_mailed_defanged() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    for name in [
        "https://evil.example/login",
        "pay@evil.example",
        "Reset <b>now</b>",
    ] {
        let resp = Req::post("/orgs")
            .user(&alice)
            .json(json!({"slug": slug(), "name": name}))
            .send(&app, create_org::handle)
            .await;
        assert_eq!(resp.status, 400, "{name}: {}", resp.body);
    }
    let org = slug();
    let created = Req::post("/orgs")
        .user(&alice)
        .json(json!({"slug": org, "name": "Evil.example Support"}))
        .send(&app, create_org::handle)
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let bob = User::new("bob");
    let resp = app
        .invite(&alice, &org, &[&bob.email], "member", false)
        .await;
    assert_eq!(resp.json["summary"]["invited"], 1, "{}", resp.body);
    deliver_queued(&app, &org).await;
    let mails = sent_to(&bob.email).await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    for part in [&mail.subject, &mail.body] {
        assert!(part.contains("Evil[.]example Support"), "{part}");
        assert!(!part.contains("Evil.example"), "{part}");
    }
    assert_eq!(mail.body.matches("http").count(), 1, "{}", mail.body);
    assert!(
        mail.body
            .contains("https://roster.test/invitations/accept?token=")
    );
}
