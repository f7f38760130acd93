//! The bulk CSV upload: formats, limits, per-row outcomes, dry run, retries.

use roster::http::routes::invite_members;
use roster_tests::mail::queued_outbox_items;
use roster_tests::{Req, Resp, TestApp, User};
use serde_json::json;

async fn upload(
    app: &TestApp,
    admin: &User,
    org: &str,
    body: impl Into<Vec<u8>>,
    dry_run: bool,
) -> Resp {
    let mut req = Req::post("/orgs/{org}/invitations")
        .org(org)
        .user(admin)
        .csv(body);
    if dry_run {
        req = req.query("dry_run", "true");
    }
    req.send(app, invite_members::handle).await
}

fn outcomes(resp: &Resp) -> Vec<String> {
    resp.json["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn bom_crlf_quoted_fields_and_a_mixed_case_header_are_read() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 5).await;
    let (a, b) = (User::new("a"), User::new("b"));
    let csv = format!(
        "\u{feff} Seat , ROLE ,Email\r\ntrue,billing_manager,\"{}\"\r\n, , {} \r\nfalse,member,\"x@y.com\r\nBcc: z@y.com\"\r\n,owner,c@example.com\r\n",
        a.email.to_uppercase(),
        b.email
    );
    let resp = upload(&app, &alice, &org, csv, false).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(
        outcomes(&resp),
        ["invited", "invited", "invalid", "invalid"]
    );
    assert_eq!(resp.json["results"][0]["email"], json!(a.email));
    assert_eq!(resp.json["results"][2]["row"], 3);
    assert!(
        resp.json["results"][2]["error"]
            .as_str()
            .unwrap()
            .contains("control")
    );
    assert!(
        resp.json["results"][3]["error"]
            .as_str()
            .unwrap()
            .contains("role")
    );
    let list = app.invitations(&alice, &org, "pending").await;
    let roles: Vec<_> = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["role"].clone(), i["seat"].clone()))
        .collect();
    assert!(roles.contains(&(json!("billing_manager"), json!(true))));
    assert!(roles.contains(&(json!("member"), json!(false))));
}

#[tokio::test]
async fn rows_with_missing_or_extra_fields_are_invalid_rows_and_the_rest_is_invited() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 5).await;
    let (a, b, c, d) = (
        User::new("a"),
        User::new("b"),
        User::new("c"),
        User::new("d"),
    );
    let csv = format!(
        "email,role,seat\n{},member,false\n{}\n{},member,false,extra\n{},member\n",
        a.email, b.email, c.email, d.email
    );
    let resp = upload(&app, &alice, &org, csv, false).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(
        outcomes(&resp),
        ["invited", "invalid", "invalid", "invalid"]
    );
    let results = resp.json["results"].as_array().unwrap();
    for (row, fields) in [(2, "1 field "), (3, "4 fields"), (4, "2 fields")] {
        let result = &results[row - 1];
        assert_eq!(result["row"], row, "{}", resp.body);
        let error = result["error"].as_str().unwrap();
        assert!(
            error.contains(fields) && error.contains("the header has 3 columns"),
            "{error}"
        );
    }
    assert_eq!(resp.json["summary"]["invited"], 1);
    assert_eq!(resp.json["summary"]["invalid"], 3);
    assert_eq!(queued_outbox_items(&app, &org).await.len(), 1);
}

/// Files as Excel saves them: "CSV" on Windows (Windows-1252, and in many
/// locales semicolons) and "Unicode text" (UTF-16 with a BOM, tabs).
#[tokio::test]
async fn excel_files_as_saved_are_read_and_the_answer_says_how() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let cp1252 = b"Name;Email;Role\r\nJos\xE9 Garc\xEDa;jose@example.com;admin\r\nZo\xEB;zoe@example.com;member\r\n";
    let resp = upload(&app, &alice, &org, cp1252.to_vec(), true).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(
        resp.json["csv"],
        json!({"encoding": "windows-1252", "delimiter": "semicolon"})
    );
    let emails: Vec<&str> = resp.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["jose@example.com", "zoe@example.com"]);
    assert_eq!(outcomes(&resp), ["invited", "invited"]);

    let text = "Email\tName\r\nanna@example.com\tÅsa Öberg\r\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let resp = upload(&app, &alice, &org, utf16, false).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(
        resp.json["csv"],
        json!({"encoding": "utf-16le", "delimiter": "tab"})
    );
    assert_eq!(outcomes(&resp), ["invited"]);
    assert_eq!(resp.json["results"][0]["email"], "anna@example.com");
}

#[tokio::test]
async fn unreadable_uploads_are_400_saying_where_and_other_types_415() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    for (body, says) in [
        (b"mail,role\na@x.com,member\n".to_vec(), "email"),
        (b"\xEF\xBB\xBFemail\n\xff@x.com\n".to_vec(), "UTF-8"),
        (b"\xFF\xFEe\x00m\x00a".to_vec(), "UTF-16"),
        (b"email\n\"a@x.com\n".to_vec(), "line 2"),
        (b"email\n".to_vec(), "no data rows"),
    ] {
        let resp = upload(&app, &alice, &org, body, false).await;
        assert_eq!(resp.status, 400, "{}", resp.body);
        assert_eq!(resp.code(), "invalid_request");
        assert!(
            resp.json["detail"].as_str().unwrap().contains(says),
            "{}",
            resp.body
        );
    }
    let resp = Req::post("/orgs/{org}/invitations")
        .org(&org)
        .user(&alice)
        .raw_body("text/plain", b"email\na@x.com\n".to_vec())
        .send(&app, invite_members::handle)
        .await;
    assert_eq!(resp.status, 415);
}

#[tokio::test]
async fn more_than_ten_thousand_rows_or_five_mib_is_413() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let mut csv = String::from("email\n");
    for i in 0..10_001 {
        csv.push_str(&format!("u{i}@example.com\n"));
    }
    let resp = upload(&app, &alice, &org, csv, false).await;
    assert_eq!(resp.status, 413);
    assert_eq!(resp.code(), "payload_too_large");
    let huge = format!("email\n{}", "a".repeat(5 * 1024 * 1024 + 1));
    let resp = upload(&app, &alice, &org, huge, false).await;
    assert_eq!(resp.status, 413);
}

#[tokio::test]
async fn a_dry_run_reports_outcomes_and_writes_and_sends_nothing() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let csv = format!(
        "email\nnew1@example.com\nbad\nnew1@example.com\n{}\n",
        alice.email
    );
    app.calls.reset();
    let resp = upload(&app, &alice, &org, csv, true).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(resp.json["dry_run"], true);
    assert_eq!(
        outcomes(&resp),
        ["invited", "invalid", "duplicate", "already_member"]
    );
    let calls = app.calls.by_operation();
    assert_eq!(
        calls.keys().collect::<Vec<_>>(),
        ["BatchGetItem"],
        "a dry run only reads: {calls:?}"
    );
    let list = app.invitations(&alice, &org, "all").await;
    assert_eq!(list.json["items"], json!([]));
    assert!(queued_outbox_items(&app, &org).await.is_empty());
}
