//! Benchmark of the bulk CSV upload (`POST /orgs/{org}/invitations`, text/csv)
//! through the real handler and SDK clients against the emulator: wall time,
//! DynamoDB calls by operation and the process's RSS, for ONE size per process
//! (so each size's peak RSS is its own). Run it with `make bench`
//! (scripts/bench.sh), which starts the emulators and compares 1,000 and
//! 10,000 rows. Numbers are reported, never asserted; only outcomes are checked.
//!
//! Phases, each a single request: `upload` (all rows new), `reupload` (the same
//! CSV again: every row `already_invited`, nothing written) and `dry_run` (the
//! same rows into a fresh org with `?dry_run=true`: reads only). Then
//! `raw_baseline`: no handler, a bare loop issuing the same number of
//! `BatchGetItem`s (100 keys) and `TransactWriteItems` (49 invitations + 49
//! outbox items + an audit entry + a condition check, items of the same shape)
//! with the same concurrency (4) on the same store: what the upload would cost if
//! Roster's own work (parsing, rules, mapping, answer) were free.
//!
//! Output: one tab-separated line per phase: phase, rows, status, wall_s,
//! cpu_s (this process's CPU time: the rest of the wall time is the emulator
//! and waiting), calls, calls by operation, RSS before the request and its peak during it
//! (MiB; the peak is reset before each phase via /proc/self/clear_refs), and
//! the answer's size (KiB). Exits 1 if any phase's outcomes were wrong.
//!
//!   bulk_invite [ROWS]   (or env ROWS; default 1000)

use roster::http::routes::invite_members::handle;
use roster_tests::{Req, Resp, TestApp, User};
use std::time::Instant;

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`: take the first argument that is not a flag.
    let rows: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .or_else(|| std::env::var("ROWS").ok())
        .map_or(1_000, |s| s.parse().expect("ROWS is a number"));

    let app = TestApp::spawn().await;
    let admin = User::new("bench");
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let mut csv = String::from("email,role,seat\n");
    for i in 0..rows {
        csv.push_str(&format!("u{i}-{tag}@example.com,member,false\n"));
    }
    let (org, fresh_org) = (
        app.create_org(&admin, 0).await,
        app.create_org(&admin, 0).await,
    );

    println!(
        "#phase\trows\tstatus\twall_s\tcpu_s\tcalls\tby_operation\trss_before_mib\trss_peak_mib\tanswer_kib"
    );
    let mut ok = true;
    for (phase, org, dry_run, outcome) in [
        ("upload", &org, false, "invited"),
        ("reupload", &org, false, "already_invited"),
        ("dry_run", &fresh_org, true, "invited"),
    ] {
        let mut req = Req::post("/orgs/{org}/invitations")
            .org(org)
            .user(&admin)
            .csv(csv.clone());
        if dry_run {
            req = req.query("dry_run", "true");
        }
        let req = req.build();

        app.calls.reset();
        reset_peak_rss();
        let before = status_kib("VmRSS");
        let (start, cpu_start) = (Instant::now(), cpu_seconds());
        let answer = handle(app.app.clone(), req).await;
        let (wall, cpu) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu_start);
        let peak = status_kib("VmHWM");
        let calls = app.calls.by_operation();

        let resp = Resp::from(answer);
        let by_op: Vec<String> = calls.iter().map(|(op, n)| format!("{op}={n}")).collect();
        println!(
            "{phase}\t{rows}\t{}\t{wall:.2}\t{cpu:.2}\t{}\t{}\t{:.0}\t{:.0}\t{}",
            resp.status,
            app.calls.total(),
            by_op.join(","),
            before as f64 / 1024.0,
            peak as f64 / 1024.0,
            resp.body.len() / 1024,
        );

        // Outcomes, not time: every row as expected, and a re-upload or a dry run writes nothing.
        let got = resp.json["summary"][outcome].as_u64();
        let writes: usize = calls
            .iter()
            .filter(|(op, _)| !matches!(op.as_str(), "BatchGetItem" | "GetItem" | "Query"))
            .map(|(_, n)| n)
            .sum();
        let problem = if resp.status != 200 {
            Some(format!("answer {}: {:.2000}", resp.status, resp.body))
        } else if got != Some(rows as u64) {
            Some(format!(
                "{outcome} = {got:?}, not {rows}: {}",
                resp.json["summary"]
            ))
        } else if phase != "upload" && writes != 0 {
            Some(format!("{writes} write calls, expected none: {calls:?}"))
        } else {
            None
        };
        if let Some(problem) = problem {
            eprintln!("bulk_invite: {phase} ({rows} rows) FAILED: {problem}");
            ok = false;
        }
    }
    raw_baseline(&app, rows, tag).await;
    std::process::exit(if ok { 0 } else { 1 });
}

/// The upload's DynamoDB traffic without Roster: see the module doc.
async fn raw_baseline(app: &TestApp, rows: usize, tag: &str) {
    use aws_sdk_dynamodb::types::{
        AttributeValue, ConditionCheck, KeysAndAttributes, Put, TransactWriteItem,
    };
    use futures::future::try_join_all;
    use std::collections::HashMap;
    let client = app.app.store.client().clone();
    let table = app.app.store.table().to_owned();
    let s = |v: &str| AttributeValue::S(v.to_owned());
    let n = |v: i64| AttributeValue::N(v.to_string());
    let pk = format!("RAW#{tag}");
    let key = |sk: String| HashMap::from([("pk".to_owned(), s(&pk)), ("sk".to_owned(), s(&sk))]);
    let guard = key("GUARD".into());
    client
        .put_item()
        .table_name(&table)
        .set_item(Some(guard.clone()))
        .send()
        .await
        .expect("raw guard item");
    let emails: Vec<String> = (0..rows)
        .map(|i| format!("raw{i}-{tag}@example.com"))
        .collect();
    let now = chrono::Utc::now();
    let invitation = |email: &str| {
        let mut item = key(format!("INVITE#{email}"));
        for (k, v) in [
            ("type", s("invitation")),
            ("org", s(&pk)),
            ("email", s(email)),
            ("role", s("member")),
            ("seat", AttributeValue::Bool(false)),
            ("invited_by", s("bench@example.com")),
            ("created_at", s(&now.to_rfc3339())),
            ("expires_at", n(now.timestamp() + 7 * 86_400)),
            ("ttl", n(now.timestamp() + 37 * 86_400)),
            ("generation", n(now.timestamp_millis())),
            ("email_status", s("queued")),
            ("gsi1pk", s(&format!("INVITES#{pk}"))),
            ("gsi1sk", s(&format!("{}#{email}", now.timestamp()))),
            ("gsi2pk", s("DUE#INVITATION#1")),
            ("gsi2sk", s(&format!("{}#{email}", now.timestamp()))),
        ] {
            item.insert(k.to_owned(), v);
        }
        item
    };
    let outbox = |email: &str, i: usize| {
        let id = format!("{tag}-{i:08}-0000-0000-000000000000");
        let mut item = key(format!("OUTBOX#{id}"));
        for (k, v) in [
            ("type", s("outbox")),
            ("id", s(&id)),
            ("org", s(&pk)),
            ("org_name", s("Test Org")),
            ("to", s(email)),
            ("kind", s("invitation")),
            ("invited_by", s("bench@example.com")),
            ("generation", n(now.timestamp_millis())),
            ("expires_at", n(now.timestamp() + 7 * 86_400)),
            ("status", s("queued")),
            ("attempts", n(0)),
            ("created_at", s(&now.to_rfc3339())),
            ("next_attempt_at", n(now.timestamp() + 300)),
            ("gsi2pk", s("DUE#OUTBOX#1")),
            ("gsi2sk", s(&format!("{}#{id}", now.timestamp() + 300))),
        ] {
            item.insert(k.to_owned(), v);
        }
        item
    };
    let put = |item: HashMap<String, AttributeValue>| {
        let put = Put::builder()
            .table_name(&table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .expect("put");
        TransactWriteItem::builder().put(put).build()
    };

    app.calls.reset();
    reset_peak_rss();
    let before = status_kib("VmRSS");
    let (start, cpu_start) = (Instant::now(), cpu_seconds());
    // Reads: ⌈(rows + 1) / 50⌉ batches of 100 keys (two per email), four at a time.
    let batches: Vec<Vec<HashMap<String, AttributeValue>>> = (0..(rows + 1).div_ceil(50))
        .map(|b| {
            (0..50)
                .map(|j| format!("raw{}-{tag}@example.com", b * 50 + j))
                .flat_map(|e| [key(format!("INVITE#{e}")), key(format!("MEMBEREMAIL#{e}"))])
                .collect()
        })
        .collect();
    for wave in batches.chunks(4) {
        try_join_all(wave.iter().map(|keys| {
            client
                .batch_get_item()
                .request_items(
                    &table,
                    KeysAndAttributes::builder()
                        .set_keys(Some(keys.clone()))
                        .consistent_read(true)
                        .build()
                        .expect("keys"),
                )
                .send()
        }))
        .await
        .expect("raw reads");
    }
    // Writes: ⌈rows / 49⌉ transactions of 100 actions, four at a time.
    let chunks: Vec<(usize, &[String])> = emails.chunks(49).enumerate().collect();
    for wave in chunks.chunks(4) {
        try_join_all(wave.iter().map(|(c, chunk)| {
            let mut actions = Vec::with_capacity(100);
            for (j, email) in chunk.iter().enumerate() {
                actions.push(put(invitation(email)));
                actions.push(put(outbox(email, c * 49 + j)));
            }
            let mut audit = key(format!("AUDIT#{c:08}"));
            audit.insert(
                "detail".into(),
                s(&format!("{{\"count\":{}}}", chunk.len())),
            );
            actions.push(put(audit));
            let check = ConditionCheck::builder()
                .table_name(&table)
                .set_key(Some(guard.clone()))
                .condition_expression("attribute_exists(pk)")
                .build()
                .expect("check");
            actions.push(TransactWriteItem::builder().condition_check(check).build());
            client
                .transact_write_items()
                .set_transact_items(Some(actions))
                .send()
        }))
        .await
        .expect("raw writes");
    }
    let (wall, cpu) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu_start);
    let peak = status_kib("VmHWM");
    let calls = app.calls.by_operation();
    let by_op: Vec<String> = calls.iter().map(|(op, n)| format!("{op}={n}")).collect();
    println!(
        "raw_baseline\t{rows}\t-\t{wall:.2}\t{cpu:.2}\t{}\t{}\t{:.0}\t{:.0}\t-",
        app.calls.total(),
        by_op.join(","),
        before as f64 / 1024.0,
        peak as f64 / 1024.0,
    );
}

/// A field of /proc/self/status, in KiB (VmRSS: now; VmHWM: the peak).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

/// User + system CPU time of this process (all threads), from /proc/self/stat
/// (fields 14 and 15, in clock ticks of 1/100 s, Linux's USER_HZ).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name (in parentheses, which may hold spaces).
    let fields: Vec<&str> = stat[stat.rfind(')').expect("stat") + 2..]
        .split(' ')
        .collect();
    let ticks = |i: usize| fields[i - 3].parse::<f64>().expect("a tick count");
    (ticks(14) + ticks(15)) / 100.0
}

/// Resets VmHWM to the current RSS (Linux >= 4.0), so each phase's peak is its own.
fn reset_peak_rss() {
    if let Err(err) = std::fs::write("/proc/self/clear_refs", "5") {
        eprintln!("bulk_invite: cannot reset the peak RSS ({err}); peaks are cumulative");
    }
}
