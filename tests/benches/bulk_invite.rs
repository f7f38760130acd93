//! Benchmark of the bulk CSV upload (`POST /orgs/{org}/invitations`, text/csv)
//! through the real handler and SDK clients against the emulator: wall time,
//! DynamoDB calls by operation and the process's RSS, for ONE size per process
//! (so each size's peak RSS is its own). Run it with `make bench`
//! (scripts/bench.sh), which starts the emulators and compares 1,000 and
//! 10,000 rows. Numbers are reported, never asserted; only outcomes are checked.
//!
//! Phases, each a single request: `upload` (all rows new), `reupload` (the same
//! CSV again: every row `already_invited`, nothing written) and `dry_run` (the
//! same rows into a fresh org with `?dry_run=true`: reads only).
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
    std::process::exit(if ok { 0 } else { 1 });
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
