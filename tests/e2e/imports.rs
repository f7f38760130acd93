//! Bulk import jobs: uploads over the synchronous limit answer `202` with a
//! job; the stream-driven worker gives every row the outcome the synchronous
//! path would; jobs survive a dying worker; progress and outcomes are readable
//! by admins only.

use chrono::Duration;
use roster::domain::import::{ImportId, ROWS_PER_CHUNK, SYNC_MAX_ROWS};
use roster::domain::{Email, OrgSlug};
use roster::events::import_worker::run_records;
use roster::http::routes::{get_import, invite_members, list_imports};
use roster::ops::imports::run::resume_stalled;
use roster::ops::sweep;
use roster_tests::mail::{queued_outbox_items, sent_to, stream_event};
use roster_tests::{Req, Resp, TestApp, User};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

fn csv_of(lines: &[String]) -> String {
    let mut csv = String::from("email,role,seat\n");
    for line in lines {
        csv.push_str(line);
        csv.push('\n');
    }
    csv
}

async fn upload(app: &TestApp, admin: &User, org: &str, csv: &str, dry_run: bool) -> Resp {
    let mut req = Req::post("/orgs/{org}/invitations")
        .org(org)
        .user(admin)
        .csv(csv.to_owned());
    if dry_run {
        req = req.query("dry_run", "true");
    }
    req.send(app, invite_members::handle).await
}

/// What Lambda does on the job item's stream record: run the worker on it.
async fn wake_worker(app: &TestApp, org: &str, id: &str) -> roster::store::Item {
    let (org, id) = (OrgSlug::parse(org).unwrap(), ImportId::parse(id).unwrap());
    let item = app
        .app
        .store
        .import_job_item(&org, &id)
        .await
        .unwrap()
        .expect("the job item");
    let event = stream_event(vec![item.clone()]);
    let deadline = Instant::now() + std::time::Duration::from_secs(600);
    let response = run_records(&app.app, event.records, deadline).await;
    assert!(response.batch_item_failures.is_empty(), "worker failed");
    item
}

async fn get_job(app: &TestApp, admin: &User, org: &str, id: &str, cursor: Option<&str>) -> Resp {
    let mut req = Req::get("/orgs/{org}/imports/{id}")
        .org(org)
        .param("id", id)
        .user(admin)
        .query("limit", "200");
    if let Some(cursor) = cursor {
        req = req.query("cursor", cursor);
    }
    req.send(app, get_import::handle).await
}

/// Every per-row outcome of a job, following the cursor.
async fn all_results(app: &TestApp, admin: &User, org: &str, id: &str) -> Vec<Value> {
    let mut results = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = get_job(app, admin, org, id, cursor.as_deref()).await;
        assert_eq!(page.status, 200, "{}", page.body);
        results.extend(page.json["results"].as_array().unwrap().iter().cloned());
        match page.json["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return results,
        }
    }
}

#[tokio::test]
async fn an_upload_over_the_limit_is_a_job_whose_outcomes_match_the_synchronous_answer() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 5).await;
    let member = User::new("member");
    app.add_member(&alice, &org, &member, "member", false).await;
    let pending = User::new("pending");
    app.invite(&alice, &org, &[&pending.email], "member", false)
        .await;

    let mut lines: Vec<String> = (0..SYNC_MAX_ROWS + 100)
        .map(|i| format!("p{i}@{org}.example.com,member,false"))
        .collect();
    lines[3] = "not-an-address,member,false".into();
    lines[50] = format!("P0@{org}.example.com,member,false"); // duplicate of row 1
    lines[100] = format!("{},admin,true", member.email.to_uppercase());
    lines[200] = format!("{},member,false", pending.email);
    lines[300] = format!("q@{org}.example.com,owner,false");
    lines[599] = format!("last@{org}.example.com,billing_manager,true");
    let csv = csv_of(&lines);

    // A dry run stays synchronous at any size: the outcomes to expect.
    let dry = upload(&app, &alice, &org, &csv, true).await;
    assert_eq!(dry.status, 200, "{}", &dry.body[..dry.body.len().min(300)]);
    let expected = dry.json["results"].as_array().unwrap().clone();
    assert_eq!(expected.len(), 600);

    app.calls.reset();
    let accepted = upload(&app, &alice, &org, &csv, false).await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    // One authorizing read, the 13 chunks in one BatchWriteItem, one transaction.
    assert_eq!(
        app.calls.by_operation(),
        BTreeMap::from([
            ("BatchGetItem".to_owned(), 1),
            ("BatchWriteItem".to_owned(), 1),
            ("TransactWriteItems".to_owned(), 1)
        ])
    );
    let id = accepted.json["id"].as_str().unwrap().to_owned();
    assert_eq!(
        accepted.headers["location"],
        format!("/orgs/{org}/imports/{id}")
    );
    assert_eq!(accepted.json["status"], "queued");
    assert_eq!(accepted.json["rows"], 600);
    assert_eq!(accepted.json["processed"], 0);
    assert_eq!(accepted.json["created_by"], json!(alice.email));
    // Nothing is invited before the worker runs.
    let queued = get_job(&app, &alice, &org, &id, None).await;
    assert_eq!(queued.json["results"], json!([]));
    assert!(
        queued.json["next_cursor"].is_string(),
        "more rows will come"
    );
    assert_eq!(queued_outbox_items(&app, &org).await.len(), 1);

    app.calls.reset();
    wake_worker(&app, &org, &id).await;
    // Per chunk one read (authorization + lookups) and one transaction; the
    // chunks are read 8 at a time; the job once (and once by the test).
    let chunks = 600usize.div_ceil(ROWS_PER_CHUNK);
    assert_eq!(
        app.calls.by_operation(),
        BTreeMap::from([
            ("BatchGetItem".to_owned(), chunks + chunks.div_ceil(8)),
            ("GetItem".to_owned(), 2),
            ("TransactWriteItems".to_owned(), chunks)
        ])
    );

    app.calls.reset();
    let done = get_job(&app, &alice, &org, &id, None).await;
    assert_eq!(
        app.calls.total(),
        1,
        "a page of outcomes is one read: {:?}",
        app.calls.by_operation()
    );
    assert_eq!(done.json["status"], "done", "{}", done.body);
    assert_eq!(done.json["processed"], 600);
    assert_eq!(
        done.json["summary"],
        json!({"invited": 595, "already_member": 1, "already_invited": 1, "invalid": 2, "duplicate": 1,
            "already_suppressed": 0, "cooldown": 0})
    );
    assert!(done.json["finished_at"].is_string());
    assert_eq!(all_results(&app, &alice, &org, &id).await, expected);
    assert_eq!(queued_outbox_items(&app, &org).await.len(), 1 + 595);

    // The same file again: a second job, every row already invited, no mail.
    let again = upload(&app, &alice, &org, &csv, false).await;
    assert_eq!(again.status, 202);
    let again_id = again.json["id"].as_str().unwrap().to_owned();
    wake_worker(&app, &org, &again_id).await;
    let second = get_job(&app, &alice, &org, &again_id, None).await;
    assert_eq!(second.json["summary"]["already_invited"], 596);
    assert_eq!(second.json["summary"]["invited"], 0);
    assert_eq!(queued_outbox_items(&app, &org).await.len(), 1 + 595);

    // Recent jobs, newest first, paged.
    let list = Req::get("/orgs/{org}/imports")
        .org(&org)
        .user(&alice)
        .query("limit", "1")
        .send(&app, list_imports::handle)
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.json["items"][0]["id"], json!(again_id));
    let next = list.json["next_cursor"].as_str().unwrap();
    let rest = Req::get("/orgs/{org}/imports")
        .org(&org)
        .user(&alice)
        .query("cursor", next)
        .send(&app, list_imports::handle)
        .await;
    assert_eq!(rest.json["items"][0]["id"], json!(id));
    assert_eq!(rest.json["items"].as_array().unwrap().len(), 1);

    // Both jobs are in the audit log.
    let audit = Req::get("/orgs/{org}/audit")
        .org(&org)
        .user(&alice)
        .query("limit", "200")
        .send(&app, roster::http::routes::list_audit_events::handle)
        .await;
    let created: Vec<&Value> = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "import.created")
        .collect();
    let targets: HashSet<&str> = created
        .iter()
        .map(|e| e["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, HashSet::from([id.as_str(), again_id.as_str()]));
    assert!(created.iter().all(|e| e["detail"]["rows"] == 600));
}

#[tokio::test]
async fn up_to_the_limit_answers_synchronously_and_one_more_row_is_a_job() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let emails: Vec<String> = (0..=SYNC_MAX_ROWS)
        .map(|i| format!("s{i}@{org}.example.com"))
        .collect();
    let at_limit = Req::post("/orgs/{org}/invitations")
        .org(&org)
        .user(&alice)
        .json(json!({"emails": emails[..SYNC_MAX_ROWS]}))
        .send(&app, invite_members::handle)
        .await;
    assert_eq!(at_limit.status, 200);
    assert_eq!(at_limit.json["summary"]["invited"], SYNC_MAX_ROWS);
    let over = Req::post("/orgs/{org}/invitations")
        .org(&org)
        .user(&alice)
        .json(json!({"emails": emails}))
        .send(&app, invite_members::handle)
        .await;
    assert_eq!(over.status, 202, "{}", over.body);
    assert!(over.headers.contains_key("location"));
}

#[tokio::test]
async fn a_job_with_one_huge_junk_cell_is_still_accepted_and_shows_the_cell_cut() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let mut lines: Vec<String> = (0..SYNC_MAX_ROWS + 1)
        .map(|i| format!("h{i}@{org}.example.com,member,false"))
        .collect();
    // ~400 KB in one cell: stored whole, its chunk would pass DynamoDB's
    // 400 KB item limit.
    let junk = "x".repeat(400 * 1024);
    lines[7] = format!("{junk},member,false");
    let accepted = upload(&app, &alice, &org, &csv_of(&lines), false).await;
    assert_eq!(
        accepted.status,
        202,
        "{}",
        &accepted.body[..accepted.body.len().min(300)]
    );
    let id = accepted.json["id"].as_str().unwrap().to_owned();
    wake_worker(&app, &org, &id).await;

    let results = all_results(&app, &alice, &org, &id).await;
    let done = get_job(&app, &alice, &org, &id, None).await;
    assert_eq!(done.json["status"], "done", "{}", done.body);
    assert_eq!(done.json["summary"]["invited"], SYNC_MAX_ROWS);
    assert_eq!(done.json["summary"]["invalid"], 1);
    let row = &results[7];
    assert_eq!(row["row"], 8);
    assert_eq!(row["outcome"], "invalid");
    // Cut as a synchronous answer shows it: 100 characters and an ellipsis.
    let shown = row["email"].as_str().unwrap();
    assert_eq!(shown, format!("{}\u{2026}", &junk[..100]));
    assert!(row["error"].as_str().unwrap().chars().count() <= 101);
}

#[tokio::test]
async fn only_admins_start_or_read_imports_and_outsiders_see_no_org() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 5).await;
    let billing = User::new("billing");
    app.add_member(&alice, &org, &billing, "billing_manager", false)
        .await;
    let outsider = User::new("outsider");
    let lines: Vec<String> = (0..SYNC_MAX_ROWS + 1)
        .map(|i| format!("a{i}@{org}.example.com,member,false"))
        .collect();
    let csv = csv_of(&lines);

    let refused = upload(&app, &billing, &org, &csv, false).await;
    assert_eq!((refused.status, refused.code()), (403, "forbidden"));
    let refused = upload(&app, &outsider, &org, &csv, false).await;
    assert_eq!((refused.status, refused.code()), (404, "org_not_found"));

    let accepted = upload(&app, &alice, &org, &csv, false).await;
    assert_eq!(accepted.status, 202);
    let id = accepted.json["id"].as_str().unwrap();
    for (user, status, code) in [
        (&billing, 403, "forbidden"),
        (&outsider, 404, "org_not_found"),
    ] {
        let resp = get_job(&app, user, &org, id, None).await;
        assert_eq!((resp.status, resp.code()), (status, code), "{}", resp.body);
        let resp = Req::get("/orgs/{org}/imports")
            .org(&org)
            .user(user)
            .send(&app, list_imports::handle)
            .await;
        assert_eq!((resp.status, resp.code()), (status, code));
    }
    let unauthenticated = Req::get("/orgs/{org}/imports")
        .org(&org)
        .send(&app, list_imports::handle)
        .await;
    assert_eq!(unauthenticated.status, 401);

    let unknown = ImportId::new().to_string();
    for bad in [unknown.as_str(), "../../x", "IMPORT"] {
        let resp = get_job(&app, &alice, &org, bad, None).await;
        assert_eq!((resp.status, resp.code()), (404, "import_not_found"));
    }
    // Another org's admin cannot read this job through their own org.
    let mallory = User::new("mallory");
    let other = app.create_org(&mallory, 0).await;
    let resp = get_job(&app, &mallory, &other, id, None).await;
    assert_eq!((resp.status, resp.code()), (404, "import_not_found"));
    // A cursor of another job or query is refused.
    let forged = Req::get("/orgs/{org}/imports")
        .org(&org)
        .user(&alice)
        .query("cursor", "eyJxIjoieCJ9");
    let resp = forged.send(&app, list_imports::handle).await;
    assert_eq!((resp.status, resp.code()), (400, "invalid_cursor"));
}

#[tokio::test]
async fn a_job_whose_admin_was_demoted_fails_and_keeps_the_outcomes_so_far() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let bob = User::new("bob");
    app.add_member(&alice, &org, &bob, "admin", false).await;
    let lines: Vec<String> = (0..SYNC_MAX_ROWS + 1)
        .map(|i| format!("d{i}@{org}.example.com,member,false"))
        .collect();
    let accepted = upload(&app, &bob, &org, &csv_of(&lines), false).await;
    let id = accepted.json["id"].as_str().unwrap().to_owned();
    let demoted = Req::put("/orgs/{org}/members/{user_id}/role")
        .org(&org)
        .param("user_id", &bob.sub)
        .user(&alice)
        .json(json!({"role": "member"}))
        .send(&app, roster::http::routes::change_role::handle)
        .await;
    assert_eq!(demoted.status, 200, "{}", demoted.body);

    wake_worker(&app, &org, &id).await;
    let job = get_job(&app, &alice, &org, &id, None).await;
    assert_eq!(job.json["status"], "failed");
    assert_eq!(job.json["processed"], 0);
    assert!(
        job.json["error"]
            .as_str()
            .unwrap()
            .contains("no longer invite")
    );
    assert_eq!(
        job.json["next_cursor"],
        Value::Null,
        "nothing more will come"
    );
    assert!(
        queued_outbox_items(&app, &org).await.is_empty(),
        "nobody invited"
    );
}

#[tokio::test]
async fn the_sweep_resumes_a_job_no_worker_picked_up_once_it_has_stalled() {
    // A table of its own: the sweep works table-wide.
    let app = TestApp::isolated().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let lines: Vec<String> = (0..SYNC_MAX_ROWS + 1)
        .map(|i| format!("w{i}@{org}.example.com,member,false"))
        .collect();
    let accepted = upload(&app, &alice, &org, &csv_of(&lines), false).await;
    let id = accepted.json["id"].as_str().unwrap().to_owned();
    let deadline = || Instant::now() + std::time::Duration::from_secs(600);

    // The stream never delivered the wake-up. Not stalled yet: left alone.
    assert_eq!(resume_stalled(&app.app, deadline()).await.unwrap(), 0);
    app.clock.advance(Duration::minutes(6));
    assert_eq!(resume_stalled(&app.app, deadline()).await.unwrap(), 1);
    let job = get_job(&app, &alice, &org, &id, None).await;
    assert_eq!(job.json["status"], "done");
    assert_eq!(job.json["summary"]["invited"], 501);
    // Finished jobs leave the due-index: the next sweep finds nothing.
    app.clock.advance(Duration::minutes(30));
    assert_eq!(resume_stalled(&app.app, deadline()).await.unwrap(), 0);
    assert_eq!(sweep::sweep(&app.app).await.unwrap().imports_resumed, 0);
}

/// The outbox items of an isolated table, through the due-index: only their
/// `to` attribute, or whole items for the recipients `only_to` (at most 100;
/// the emulator is slow to page thousands of whole items).
async fn outbox(app: &TestApp, only_to: Option<&[String]>) -> Vec<roster::store::Item> {
    use roster::store::attrs::s;
    use roster::store::keys::{DUE_SHARDS, GSI2, due_gsi2pk};
    let mut items = Vec::new();
    for shard in 0..DUE_SHARDS {
        let mut start = None;
        loop {
            let mut query = app
                .app
                .store
                .client()
                .query()
                .table_name(app.app.store.table())
                .index_name(GSI2)
                .key_condition_expression("gsi2pk = :pk")
                .expression_attribute_values(":pk", s(due_gsi2pk("OUTBOX", shard)))
                .expression_attribute_names("#to", "to")
                .set_exclusive_start_key(start);
            query = match only_to {
                None => query.projection_expression("#to"),
                Some(to) => {
                    let names: Vec<String> = (0..to.len()).map(|i| format!(":t{i}")).collect();
                    for (name, value) in names.iter().zip(to) {
                        query = query.expression_attribute_values(name, s(value));
                    }
                    query.filter_expression(format!("#to IN ({})", names.join(", ")))
                }
            };
            let out = query.send().await.expect("querying the outbox");
            items.extend(out.items().iter().cloned());
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
    }
    items
}

#[tokio::test]
async fn ten_thousand_rows_survive_a_killed_worker_each_invited_and_mailed_once() {
    // A table of its own: ten thousand invitations would slow every other test's emulator calls.
    let app = TestApp::isolated().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let lines: Vec<String> = (0..10_000)
        .map(|i| format!("p{i}@{org}.example.com,member,false"))
        .collect();
    app.calls.reset();
    let accepted = upload(&app, &alice, &org, &csv_of(&lines), false).await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    // 213 chunks in 9 BatchWriteItems, plus the authorizing read and the job's transaction.
    assert_eq!(app.calls.total(), 1 + 213usize.div_ceil(25) + 1);
    let id = accepted.json["id"].as_str().unwrap().to_owned();

    // The worker runs on the job's stream record and is killed midway.
    let (org_slug, job_id) = (OrgSlug::parse(&org).unwrap(), ImportId::parse(&id).unwrap());
    let item = app
        .app
        .store
        .import_job_item(&org_slug, &job_id)
        .await
        .unwrap()
        .unwrap();
    let records = stream_event(vec![item.clone()]).records;
    let worker = {
        let app = app.app.clone();
        let deadline = Instant::now() + std::time::Duration::from_secs(600);
        tokio::spawn(async move { run_records(&app, records, deadline).await })
    };
    let killed_at = loop {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let job = app
            .app
            .store
            .import_job(&org_slug, &job_id)
            .await
            .unwrap()
            .unwrap();
        if job.next_chunk >= 60 {
            worker.abort();
            break job.next_chunk;
        }
    };
    assert!(worker.await.unwrap_err().is_cancelled());
    let job = app
        .app
        .store
        .import_job(&org_slug, &job_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.status.as_str(), "running");
    assert!(job.next_chunk < job.chunks, "killed midway");

    // Lambda retries the record that never completed: the job resumes.
    let resumed = stream_event(vec![item]).records;
    let response = run_records(
        &app.app,
        resumed,
        Instant::now() + std::time::Duration::from_secs(600),
    )
    .await;
    assert!(response.batch_item_failures.is_empty());

    let results = all_results(&app, &alice, &org, &id).await;
    assert_eq!(results.len(), 10_000, "exactly one outcome per row");
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["row"], i + 1);
        assert_eq!(r["outcome"], "invited", "{r}");
        assert_eq!(r["email"], json!(format!("p{i}@{org}.example.com")));
    }
    let done = get_job(&app, &alice, &org, &id, None).await;
    assert_eq!(done.json["status"], "done");
    assert_eq!(done.json["summary"]["invited"], 10_000);

    // Invited once: one mail queued per invitee, none twice.
    let all = outbox(&app, None).await;
    let recipients: HashSet<&str> = all
        .iter()
        .map(|m| m["to"].as_s().unwrap().as_str())
        .collect();
    assert_eq!((all.len(), recipients.len()), (10_000, 10_000));
    // Mailed once: the rows around the kill go out through deliver-email, once each.
    let around = (killed_at.saturating_sub(1) * ROWS_PER_CHUNK)..((killed_at + 1) * ROWS_PER_CHUNK);
    let near_to: Vec<String> = around.map(|n| format!("p{n}@{org}.example.com")).collect();
    let near = outbox(&app, Some(&near_to)).await;
    assert_eq!(near.len(), 2 * ROWS_PER_CHUNK);
    let event = stream_event(near.clone());
    let delivered = roster::events::deliver_email::deliver_records(&app.app, event.records).await;
    assert!(delivered.batch_item_failures.is_empty());
    for m in &near {
        let to = Email::parse(m["to"].as_s().unwrap()).unwrap();
        assert_eq!(sent_to(to.as_str()).await.len(), 1, "{to}");
    }
}

/// Sends the first `left` attempts of `TransactWriteItems` to an endpoint that
/// answers as a throttled DynamoDB partition does (nothing is written).
#[derive(Debug)]
struct ThrottleTransactions {
    left: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    endpoint: String,
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for ThrottleTransactions {
    fn name(&self) -> &'static str {
        "ThrottleTransactions"
    }

    fn modify_before_transmit(
        &self,
        context: &mut aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut<'_>,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        use std::sync::atomic::Ordering;
        let request = context.request_mut();
        let is_transaction = request
            .headers()
            .get("x-amz-target")
            .is_some_and(|t| t.ends_with(".TransactWriteItems"));
        if is_transaction
            && self
                .left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            request.set_uri(self.endpoint.as_str())?;
        }
        Ok(())
    }
}

/// A local endpoint answering every request with DynamoDB's throttling error.
async fn throttling_endpoint() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = served.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let count = count.clone();
            tokio::spawn(async move {
                // Read the whole request (headers, then content-length bytes).
                let mut buf = Vec::new();
                let mut chunk = [0u8; 65536];
                loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf);
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let body = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"The level of configured provisioned throughput for the table was exceeded."}"#;
                let answer = format!(
                    "HTTP/1.1 400 Bad Request\r\ncontent-type: application/x-amz-json-1.0\r\nx-amzn-errortype: ProvisionedThroughputExceededException\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (url, served)
}

#[tokio::test]
async fn a_throttled_job_backs_off_slows_down_and_still_invites_everyone_once() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let lines: Vec<String> = (0..SYNC_MAX_ROWS + 1)
        .map(|i| format!("t{i}@{org}.example.com,member,false"))
        .collect();
    let accepted = upload(&app, &alice, &org, &csv_of(&lines), false).await;
    let id = accepted.json["id"].as_str().unwrap().to_owned();

    // A worker whose DynamoDB throttles its first transactions: more attempts
    // than the SDK's own retries (3), so the worker sees the throttling.
    let (endpoint, served) = throttling_endpoint().await;
    let left = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(4));
    let sdk = roster_tests::sdk_config();
    let client = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk)
            .interceptor(app.calls.clone())
            .interceptor(ThrottleTransactions {
                left: left.clone(),
                endpoint,
            })
            .build(),
    );
    let mut throttled = (*app.app).clone();
    throttled.store = roster::store::Store::new(client, app.app.config.table.clone());
    throttled.config.import_write_units_per_second = 5_000;

    let report = roster::ops::imports::run::run_import(
        &throttled,
        roster::ops::imports::run::RunImport {
            org: OrgSlug::parse(&org).unwrap(),
            id: ImportId::parse(&id).unwrap(),
            deadline: Instant::now() + std::time::Duration::from_secs(600),
        },
    )
    .await
    .unwrap();
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 4);
    assert_eq!(report.throttled, 1, "{report:?}");
    assert_eq!(
        report.outcome,
        roster::ops::imports::run::RunOutcome::Finished(roster::domain::import::ImportStatus::Done)
    );
    let job = get_job(&app, &alice, &org, &id, None).await;
    assert_eq!(job.json["summary"]["invited"], 501);
    assert_eq!(queued_outbox_items(&app, &org).await.len(), 501);
}

#[tokio::test]
async fn a_job_is_held_to_the_daily_invitation_limit_and_the_rows_over_it_are_limit_exceeded() {
    const DAILY: usize = 40;
    let app = TestApp::with_limits(roster::domain::Limits {
        invitations_per_org_per_day: DAILY as u32,
        pending_invitations_per_org: 10_000,
        resend_cooldown_secs: 3_600,
        orgs_per_user_per_day: 3,
        tokens_per_member_per_day: 50,
        complaint_clear_interval_secs: 30 * 86_400,
    })
    .await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 5).await;
    let rows = SYNC_MAX_ROWS + 1;
    let lines: Vec<String> = (0..rows)
        .map(|i| format!("l{i}@{org}.example.com,member,false"))
        .collect();
    let accepted = upload(&app, &alice, &org, &csv_of(&lines), false).await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    let id = accepted.json["id"].as_str().unwrap().to_owned();

    app.calls.reset();
    wake_worker(&app, &org, &id).await;
    // The counters ride on each chunk's read and transaction: no extra call.
    let chunks = rows.div_ceil(ROWS_PER_CHUNK);
    assert_eq!(
        app.calls.by_operation(),
        BTreeMap::from([
            ("BatchGetItem".to_owned(), chunks + chunks.div_ceil(8)),
            ("GetItem".to_owned(), 2),
            ("TransactWriteItems".to_owned(), chunks)
        ])
    );

    let done = get_job(&app, &alice, &org, &id, None).await;
    assert_eq!(done.json["status"], "done", "{}", done.body);
    assert_eq!(done.json["processed"], rows);
    assert_eq!(
        done.json["summary"],
        json!({"invited": DAILY, "limit_exceeded": rows - DAILY, "already_member": 0,
            "already_invited": 0, "invalid": 0, "duplicate": 0, "already_suppressed": 0,
            "cooldown": 0}),
        "{}",
        done.body
    );
    let results = all_results(&app, &alice, &org, &id).await;
    assert_eq!(results.len(), rows);
    for (i, row) in results.iter().enumerate() {
        let word = if i < DAILY {
            "invited"
        } else {
            "limit_exceeded"
        };
        assert_eq!(row["outcome"], word, "{row}");
    }
    assert_eq!(queued_outbox_items(&app, &org).await.len(), DAILY);
    assert_eq!(roster_tests::mail::deliver_queued(&app, &org).await, DAILY);
    // Each address is on the org's domain: SES received exactly the limit.
    assert_eq!(
        roster_tests::mail::sent_count_containing(&format!("@{org}.example.com")).await,
        DAILY
    );

    // Waking the worker again changes nothing, and the counter was taken:
    // the day's room is gone for the synchronous path too.
    wake_worker(&app, &org, &id).await;
    assert_eq!(queued_outbox_items(&app, &org).await.len(), 0);
    let one_more = upload(
        &app,
        &alice,
        &org,
        &csv_of(&[format!("more@{org}.example.com,member,false")]),
        false,
    )
    .await;
    assert_eq!(one_more.status, 429, "{}", one_more.body);
    assert_eq!(one_more.json["limit"], "invitations_per_org_per_day");
}

#[tokio::test]
async fn a_job_reports_a_suppressed_address_as_already_suppressed() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, _) = app.org_with_invitee(0, "member", false).await;
    app.ses_reports(roster_tests::feedback::Feedback::Complaint, &bob.email)
        .await;
    let revoked = Req::delete("/orgs/{org}/invitations/{id}")
        .org(&org)
        .param("id", &roster_tests::address_id(&bob.email))
        .user(&alice)
        .send(&app, roster::http::routes::revoke_invitation::handle)
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);

    // Row 300 (past the first chunk) is the suppressed address.
    let mut lines: Vec<String> = (0..SYNC_MAX_ROWS)
        .map(|i| format!("s{i}@{org}.example.com,member,false"))
        .collect();
    lines.insert(299, format!("{},member,false", bob.email));
    let accepted = upload(&app, &alice, &org, &csv_of(&lines), false).await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    let id = accepted.json["id"].as_str().unwrap().to_owned();
    wake_worker(&app, &org, &id).await;

    let done = get_job(&app, &alice, &org, &id, None).await;
    assert_eq!(done.json["status"], "done", "{}", done.body);
    assert_eq!(
        done.json["summary"]["already_suppressed"], 1,
        "{}",
        done.body
    );
    assert_eq!(done.json["summary"]["invited"], SYNC_MAX_ROWS);
    let results = all_results(&app, &alice, &org, &id).await;
    assert_eq!(results[299]["email"], bob.email.as_str());
    assert_eq!(results[299]["outcome"], "already_suppressed");
    assert_eq!(queued_outbox_items(&app, &org).await.len(), SYNC_MAX_ROWS);
}

#[tokio::test]
async fn an_admin_with_an_unverified_email_cannot_mail_thousands_through_an_import_job() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let lines: Vec<String> = (0..SYNC_MAX_ROWS + 1)
        .map(|i| format!("u{i}@{org}.example.com,member,false"))
        .collect();
    let unverified = roster_tests::jwt(&json!({
        "sub": alice.sub, "email": alice.email, "email_verified": false,
        "exp": chrono::Utc::now().timestamp() + 3600,
    }));
    let refused = Req::post("/orgs/{org}/invitations")
        .org(&org)
        .bearer(&unverified)
        .csv(csv_of(&lines))
        .send(&app, invite_members::handle)
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refused.code(), "email_unverified");
    let jobs = Req::get("/orgs/{org}/imports")
        .org(&org)
        .user(&alice)
        .send(&app, list_imports::handle)
        .await;
    assert_eq!(jobs.json["items"], json!([]), "no job was stored");
}

#[tokio::test]
async fn a_stored_job_not_vouched_for_mails_nobody_when_the_worker_runs_it() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let lines: Vec<String> = (0..SYNC_MAX_ROWS + 1)
        .map(|i| format!("v{i}@{org}.example.com,member,false"))
        .collect();
    let accepted = upload(&app, &alice, &org, &csv_of(&lines), false).await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    let id = accepted.json["id"].as_str().unwrap().to_owned();
    // A job item without the creator's verified flag (as one written by an
    // older build, or by hand): the worker must not take it on trust.
    let (slug, job_id) = (OrgSlug::parse(&org).unwrap(), ImportId::parse(&id).unwrap());
    let stored = app.app.store.import_job_item(&slug, &job_id).await.unwrap();
    let stored = stored.expect("the job item");
    assert_eq!(
        stored.get("created_by_verified"),
        Some(&aws_sdk_dynamodb::types::AttributeValue::Bool(true)),
        "the job records that its creator was vouched for"
    );
    let key: roster::store::Item = ["pk", "sk"]
        .into_iter()
        .map(|k| (k.to_owned(), stored[k].clone()))
        .collect();
    app.app
        .store
        .client()
        .update_item()
        .table_name(app.app.store.table())
        .set_key(Some(key))
        .update_expression("REMOVE created_by_verified")
        .send()
        .await
        .unwrap();

    wake_worker(&app, &org, &id).await;
    let job = get_job(&app, &alice, &org, &id, None).await;
    assert_eq!(job.json["status"], "failed", "{}", job.body);
    assert!(
        job.json["error"].as_str().unwrap().contains("verified"),
        "{}",
        job.body
    );
    assert!(
        queued_outbox_items(&app, &org).await.is_empty(),
        "nobody mailed"
    );
}

#[tokio::test]
async fn an_import_row_cannot_remail_an_address_whose_invitation_was_just_revoked() {
    let app = TestApp::spawn().await;
    let (org, alice, bob, _) = app.org_with_invitee(0, "member", false).await;
    let revoked = Req::delete("/orgs/{org}/invitations/{id}")
        .org(&org)
        .param("id", &roster_tests::address_id(&bob.email))
        .user(&alice)
        .send(&app, roster::http::routes::revoke_invitation::handle)
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);

    // Row 300 (past the first chunk) is the address mailed moments ago.
    let mut lines: Vec<String> = (0..SYNC_MAX_ROWS)
        .map(|i| format!("c{i}@{org}.example.com,member,false"))
        .collect();
    lines.insert(299, format!("{},member,false", bob.email));
    let accepted = upload(&app, &alice, &org, &csv_of(&lines), false).await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    let id = accepted.json["id"].as_str().unwrap().to_owned();
    wake_worker(&app, &org, &id).await;

    let done = get_job(&app, &alice, &org, &id, None).await;
    assert_eq!(done.json["status"], "done", "{}", done.body);
    assert_eq!(done.json["summary"]["cooldown"], 1, "{}", done.body);
    assert_eq!(done.json["summary"]["invited"], SYNC_MAX_ROWS);
    let results = all_results(&app, &alice, &org, &id).await;
    assert_eq!(results[299]["email"], bob.email.as_str());
    assert_eq!(results[299]["outcome"], "cooldown");
    let queued = queued_outbox_items(&app, &org).await;
    assert_eq!(queued.len(), SYNC_MAX_ROWS);
    assert!(
        queued
            .iter()
            .all(|item| item.get("to").and_then(|v| v.as_s().ok()) != Some(&bob.email)),
        "nothing is queued for the revoked address"
    );
}

/// The org's events of `kind`, from its feed (published first).
async fn events_of(app: &TestApp, admin: &User, org: &str, kind: &str) -> Vec<Value> {
    roster_tests::events::publish_org(app, org).await;
    let (mut events, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let mut req = Req::get("/orgs/{org}/events")
            .org(org)
            .user(admin)
            .query("type", kind)
            .query("limit", "200");
        if let Some(c) = &cursor {
            req = req.query("cursor", c);
        }
        let page = req
            .send(app, roster::http::routes::list_events::handle)
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        events.extend(page.json["items"].as_array().unwrap().iter().cloned());
        match page.json["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return events,
        }
    }
}

#[tokio::test]
async fn a_job_publishes_each_invitation_and_its_end_and_a_failed_job_its_failure() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 0).await;
    let lines: Vec<String> = (0..SYNC_MAX_ROWS + 1)
        .map(|i| format!("e{i}@{org}.example.com,member,false"))
        .collect();
    let accepted = upload(&app, &alice, &org, &csv_of(&lines), false).await;
    let id = accepted.json["id"].as_str().unwrap().to_owned();
    wake_worker(&app, &org, &id).await;
    let finished = events_of(&app, &alice, &org, "import.finished").await;
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0]["data"]["import_id"], id.as_str());
    assert_eq!(finished[0]["data"]["status"], "done");
    assert_eq!(finished[0]["data"]["counts"]["invited"], SYNC_MAX_ROWS + 1);
    assert_eq!(finished[0]["actor"]["email"], alice.email.as_str());

    let bob = User::new("bob");
    app.add_member(&alice, &org, &bob, "admin", false).await;
    let lines: Vec<String> = (0..SYNC_MAX_ROWS + 1)
        .map(|i| format!("f{i}@{org}.example.com,member,false"))
        .collect();
    let accepted = upload(&app, &bob, &org, &csv_of(&lines), false).await;
    let failing = accepted.json["id"].as_str().unwrap().to_owned();
    let demoted = Req::put("/orgs/{org}/members/{user_id}/role")
        .org(&org)
        .param("user_id", &bob.sub)
        .user(&alice)
        .json(json!({"role": "member"}))
        .send(&app, roster::http::routes::change_role::handle)
        .await;
    assert_eq!(demoted.status, 200, "{}", demoted.body);
    app.clock.advance(chrono::Duration::seconds(1));
    wake_worker(&app, &org, &failing).await;
    let finished = events_of(&app, &alice, &org, "import.finished").await;
    assert_eq!(finished.len(), 2);
    assert_eq!(finished[1]["data"]["import_id"], failing.as_str());
    assert_eq!(finished[1]["data"]["status"], "failed");
}
