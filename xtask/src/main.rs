//! `cargo xtask routes [--check]`: see [`xtask::routes`].

use std::process::ExitCode;
use xtask::routes::{apply, plan, repo};

const USAGE: &str = "usage: cargo xtask routes [--check]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["routes"] => false,
        ["routes", "--check"] => true,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let root = repo();
    let plan = plan(&root);
    if check {
        let problems = plan.check_problems();
        for p in &problems {
            eprintln!("make routes: {p}");
        }
        return if problems.is_empty() {
            println!(
                "make routes: everything generated is up to date and agrees with infra/functions.toml."
            );
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    match apply(&root, &plan) {
        Ok(written) => {
            for line in &written {
                println!("make routes: {line}");
            }
            if written.is_empty() {
                println!("make routes: everything generated was up to date.");
            }
        }
        Err(err) => {
            eprintln!("make routes: {err}");
            return ExitCode::FAILURE;
        }
    }
    for p in &plan.problems {
        eprintln!("make routes: {p}");
    }
    if plan.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
