//! `make routes`: writes the copies of the route table
//! (`shared/src/http/route_table/mod.rs`) that are mechanical — the router
//! block in `Cargo.toml`, the API table block in `README.md` (keeping its notes
//! column), `functions/<name>/` for a function that has no crate yet, and
//! `events/<name>.json` for a route that no sample event covers. It never
//! deletes or overwrites a crate or a sample, and touches nothing outside the
//! marked blocks; `infra/template.yaml` and `infra/openapi.yaml` stay
//! hand-written. The route table's `copies` test checks the result.

use crate::generate;
use crate::table::http_functions;
use roster::http::route_table::ROUTES;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf();
    match run(&root) {
        Ok(written) if written.is_empty() => {
            println!("make routes: every generated copy is up to date.");
            ExitCode::SUCCESS
        }
        Ok(written) => {
            for line in written {
                println!("make routes: {line}");
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("make routes: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Writes what is stale or missing; returns what it wrote.
fn run(root: &Path) -> Result<Vec<String>, String> {
    let mut written = vec![];
    let cargo_toml = root.join("Cargo.toml");
    let text = read(&cargo_toml)?;
    let new = generate::replace_block(
        &text,
        generate::ROUTER_BEGIN,
        generate::ROUTER_END,
        &generate::router(),
    )
    .map_err(|e| format!("Cargo.toml: {e}"))?;
    if write_if_changed(&cargo_toml, &text, &new)? {
        written.push("updated the router in Cargo.toml".to_owned());
    }

    let readme = root.join("README.md");
    let text = read(&readme)?;
    let (begin, end) = (generate::README_BEGIN, generate::README_END);
    let found = generate::block(&text, begin, end).map_err(|e| format!("README.md: {e}"))?;
    let table = generate::readme_table(&generate::readme_notes(found));
    let new = generate::replace_block(&text, begin, end, &table)
        .map_err(|e| format!("README.md: {e}"))?;
    if write_if_changed(&readme, &text, &new)? {
        written.push("updated the API table in README.md".to_owned());
    }

    for function in http_functions() {
        let dir = root.join("functions").join(function);
        if dir.exists() {
            continue;
        }
        create(
            &dir.join("Cargo.toml"),
            &generate::function_cargo_toml(function),
        )?;
        create(
            &dir.join("src/main.rs"),
            &generate::function_main_rs(function),
        )?;
        written.push(format!(
            "created functions/{function}/ (Cargo.toml, src/main.rs)"
        ));
    }

    let events = root.join("events");
    let (mut names, mut sampled) = (BTreeSet::new(), BTreeSet::new());
    for entry in std::fs::read_dir(&events).map_err(|e| format!("events/: {e}"))? {
        let path = entry.map_err(|e| format!("events/: {e}"))?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if !name.ends_with(".json") {
            continue;
        }
        names.insert(name.into_owned());
        // An unreadable sample is the copies test's to report.
        let json: Option<serde_json::Value> =
            read(&path).ok().and_then(|t| serde_json::from_str(&t).ok());
        if let Some(key) = json.as_ref().and_then(|j| j["routeKey"].as_str()) {
            sampled.insert(key.to_owned());
        }
    }
    for route in ROUTES {
        if sampled.contains(&route.key()) {
            continue;
        }
        let name = generate::sample_event_name(route, |n| names.contains(n));
        create(&events.join(&name), &generate::sample_event(route))?;
        written.push(format!(
            "created events/{name} for `{}` (give it a realistic body if the route takes one)",
            route.key()
        ));
        names.insert(name);
    }
    Ok(written)
}

fn read(path: &PathBuf) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

fn write_if_changed(path: &Path, old: &str, new: &str) -> Result<bool, String> {
    if old == new {
        return Ok(false);
    }
    std::fs::write(path, new).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(true)
}

fn create(path: &Path, contents: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("writing {}: {e}", path.display()))
}
