//! Benchmark of the bulk CSV upload (`POST /orgs/{org}/invitations`, text/csv)
//! through the real handler, the real import worker and SDK clients against
//! the emulator: wall time, DynamoDB calls by operation and the process's RSS,
//! for ONE size per process (so each size's peak RSS is its own). Run it with
//! `make bench` (scripts/bench.sh), which starts the emulators and compares
//! 1,000 and 10,000 rows. Numbers are reported, never asserted; only outcomes
//! are checked.
//!
//! Phases: `upload` (the request: over 500 rows it stores the job and answers
//! 202), `worker` (the import worker running the job to the end, unpaced: the
//! emulator is the limit here; deployed, the pace is), `reupload` (the same
//! CSV again, request and worker: every row `already_invited`, no invitation
//! written) and `dry_run` (the same rows into a fresh org with `?dry_run=true`:
//! synchronous at any size, reads only) and `raw_baseline` (the calls of
//! such a worker run, recorded and sent again by a bare loop to a copy of the
//! table as it was before the run: same calls, items, conditions and order;
//! Roster's own cost is the `worker` phase over it; see `replay.rs`). After the table, `#estimate` lines
//! give the job's write units on the org's partition and the time they take
//! deployed at one partition's throughput and at the worker's default pace.
//!
//! Output: one tab-separated line per phase: phase, rows, status, wall_s,
//! cpu_s (this process's CPU time: the rest of the wall time is the emulator
//! and waiting), calls, calls by operation, RSS before the request and its peak during it
//! (MiB; the peak is reset before each phase via /proc/self/clear_refs), and
//! the answer's size (KiB). Exits 1 if any phase's outcomes were wrong.
//!
//!   bulk_invite [ROWS]   (or env ROWS; default 1000)

use roster::domain::OrgSlug;
use roster::domain::import::{
    DEFAULT_WRITE_UNITS_PER_SECOND, ImportId, PARTITION_WRITE_UNITS, ROWS_PER_CHUNK,
    transactional_write_units,
};
use roster::http::routes::invite_members::handle;
use roster::ops::imports::run::{RunImport, RunOutcome, run_import};
use roster_tests::{Req, Resp, TestApp, User};
use std::time::{Duration, Instant};

mod replay;

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
    let mut invited = 0u64;
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

        let mut measure = Measure::start(&app);
        let resp = Resp::from(handle(app.app.clone(), req).await);
        let request_writes = measure.writes(&app);
        let mut summary = resp.json["summary"].clone();
        if resp.status == 202 {
            if phase == "upload" {
                measure.print(&app, phase, rows, resp.status, resp.body.len());
                measure = Measure::start(&app);
            }
            let id =
                ImportId::parse(resp.json["id"].as_str().unwrap_or_default()).expect("a job id");
            let run = run_import(
                &app.app,
                RunImport {
                    org: OrgSlug::parse(org).expect("slug"),
                    id: id.clone(),
                    deadline: Instant::now() + Duration::from_secs(3600),
                },
            )
            .await;
            let job = app
                .app
                .store
                .import_job(&OrgSlug::parse(org).expect("slug"), &id)
                .await
                .expect("reading the job")
                .expect("the job");
            if !matches!(run, Ok(ref r) if r.outcome == RunOutcome::Finished(roster::domain::import::ImportStatus::Done))
            {
                eprintln!("bulk_invite: {phase} ({rows} rows): the job did not finish: {run:?}");
                ok = false;
            }
            summary = serde_json::json!(job.counts);
        }
        let shown = if phase == "upload" && resp.status == 202 {
            "worker"
        } else {
            phase
        };
        let calls = measure.print(&app, shown, rows, resp.status, resp.body.len());

        // Outcomes, not time: every row as expected, and a re-upload or a dry run
        // writes no invitation (a re-upload's job still records its progress).
        let got = summary[outcome].as_u64();
        let writes: usize = calls
            .iter()
            .filter(|(op, _)| !matches!(op.as_str(), "BatchGetItem" | "GetItem" | "Query"))
            .map(|(_, n)| n)
            .sum();
        let problem = if !(resp.status == 200 || resp.status == 202 && !dry_run) {
            Some(format!("answer {}: {:.2000}", resp.status, resp.body))
        } else if got != Some(rows as u64) {
            Some(format!("{outcome} = {got:?}, not {rows}: {summary}"))
        } else if dry_run && writes + request_writes != 0 {
            Some(format!("{writes} write calls, expected none: {calls:?}"))
        } else {
            None
        };
        if phase == "upload" {
            invited = got.unwrap_or(0);
        }
        if let Some(problem) = problem {
            eprintln!("bulk_invite: {phase} ({rows} rows) FAILED: {problem}");
            ok = false;
        }
    }

    raw_baseline(&app, &admin, &csv, rows).await;

    // Deployed, the job's writes land on one partition (the org's): 2 units per
    // invitation (under 1 KB, transactional), and per chunk 2 each for the
    // audit entry, the job's progress and the authorization check.
    let chunks = (rows as u64).div_ceil(ROWS_PER_CHUNK as u64);
    let unit = u64::from(transactional_write_units(1024));
    let units = unit * invited + unit * 3 * chunks;
    println!(
        "#estimate\t{rows} rows: {invited} invitations x {unit} + {chunks} chunks x {} = {units} write units on the org's partition; at {PARTITION_WRITE_UNITS}/s (one partition) {:.1} s, at the worker's default {DEFAULT_WRITE_UNITS_PER_SECOND}/s {:.1} s",
        unit * 3,
        units as f64 / f64::from(PARTITION_WRITE_UNITS),
        units as f64 / f64::from(DEFAULT_WRITE_UNITS_PER_SECOND),
    );
    std::process::exit(if ok { 0 } else { 1 });
}

/// The `worker` phase's calls without Roster: the same CSV uploaded again
/// into a fresh org and its job run with every DynamoDB call recorded (not
/// timed), then the recorded calls sent again by a bare loop to a copy of the
/// table as it was before that run (timed): see `replay`.
async fn raw_baseline(app: &TestApp, admin: &User, csv: &str, rows: usize) {
    let org = app.create_org(admin, 0).await;
    let resp = Req::post("/orgs/{org}/invitations")
        .org(&org)
        .user(admin)
        .csv(csv.to_owned())
        .send(app, handle)
        .await;
    let Some(id) = resp.json["id"]
        .as_str()
        .and_then(|id| ImportId::parse(id).ok())
    else {
        eprintln!(
            "bulk_invite: raw_baseline: {rows} rows is not a job ({}), skipped",
            resp.status
        );
        return;
    };
    let client = app.app.store.client();
    let raw_table = format!("{}-raw-{rows}", app.app.store.table());
    roster_tests::copy_table_definition(&app.app.store, &raw_table).await;
    replay::copy_items(client, app.app.store.table(), &raw_table).await;

    let recorder = replay::Recorder::default();
    let mut recorded = (*app.app).clone();
    recorded.store =
        roster::store::Store::new(recorder.client(client), app.app.store.table().to_owned());
    let run = run_import(
        &recorded,
        RunImport {
            org: OrgSlug::parse(&org).expect("slug"),
            id,
            deadline: Instant::now() + Duration::from_secs(3600),
        },
    )
    .await;
    assert!(
        matches!(run, Ok(ref r) if r.outcome == RunOutcome::Finished(roster::domain::import::ImportStatus::Done)),
        "{run:?}"
    );

    let measure = Measure::start(app);
    let (_, skipped) = recorder.replay(client, &raw_table).await;
    measure.print(app, "raw_baseline", rows, 200, 0);
    if skipped > 0 {
        eprintln!("bulk_invite: raw_baseline: {skipped} calls could not be replayed");
    }
}

/// One phase's counters: calls, wall and CPU time, RSS before and at peak.
struct Measure {
    before: u64,
    start: Instant,
    cpu_start: f64,
}

impl Measure {
    fn start(app: &TestApp) -> Self {
        app.calls.reset();
        reset_peak_rss();
        Self {
            before: status_kib("VmRSS"),
            start: Instant::now(),
            cpu_start: cpu_seconds(),
        }
    }

    fn writes(&self, app: &TestApp) -> usize {
        app.calls
            .by_operation()
            .iter()
            .filter(|(op, _)| !matches!(op.as_str(), "BatchGetItem" | "GetItem" | "Query"))
            .map(|(_, n)| n)
            .sum()
    }

    /// Prints the phase's line; returns its calls by operation.
    fn print(
        &self,
        app: &TestApp,
        phase: &str,
        rows: usize,
        status: u16,
        answer_bytes: usize,
    ) -> std::collections::BTreeMap<String, usize> {
        let (wall, cpu) = (
            self.start.elapsed().as_secs_f64(),
            cpu_seconds() - self.cpu_start,
        );
        let peak = status_kib("VmHWM");
        let calls = app.calls.by_operation();
        let by_op: Vec<String> = calls.iter().map(|(op, n)| format!("{op}={n}")).collect();
        println!(
            "{phase}\t{rows}\t{status}\t{wall:.2}\t{cpu:.2}\t{}\t{}\t{:.0}\t{:.0}\t{}",
            app.calls.total(),
            by_op.join(","),
            self.before as f64 / 1024.0,
            peak as f64 / 1024.0,
            answer_bytes / 1024,
        );
        calls
    }
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
