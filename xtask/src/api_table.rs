//! The API table of the documentation: one row per deployed route (method,
//! path, function, auth) and a notes column that is written by hand and kept.

use crate::blocks::Block;
use crate::declare::{Method, Route};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The file that holds the table, between the markers of [`BLOCK`].
pub const FILE: &str = "docs/guide/api.md";

pub const BLOCK: Block = Block {
    begin: "<!-- Generated from infra/functions.toml by `make routes`; only the notes column is edited here. -->",
    end: "<!-- End of the generated API table. -->",
    begin_was: &[
        "<!-- Generated from shared/src/http/route_table/mod.rs by `make routes`; only the notes column is edited here. -->",
    ],
};

/// The block: a header, a row per deployed route, and a blank line that ends
/// the table. `notes` (by route key, from [`notes`]) are kept; a new route's
/// are empty.
pub fn table(routes: &[&Route], notes: &BTreeMap<String, String>) -> String {
    let mut out =
        String::from("| method | path | function | auth | notes |\n|---|---|---|---|---|\n");
    for route in routes.iter().filter(|r| !r.local_only) {
        let note = notes.get(&route.key()).map(String::as_str).unwrap_or("");
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | {} | {note} |",
            route.method.as_str(),
            route.path,
            route.function,
            route.auth.as_str()
        );
    }
    out.push('\n');
    out
}

/// The notes column of a table's rows, by route key. The first four cells
/// never hold a `|`; the notes may (escaped as `\|`).
pub fn notes(table: &str) -> BTreeMap<String, String> {
    let mut notes = BTreeMap::new();
    for line in table.lines() {
        let Some(row) = line.trim().strip_prefix('|') else {
            continue;
        };
        let cells: Vec<&str> = row.splitn(5, '|').collect();
        let [m, path, _, _, rest] = cells.as_slice() else {
            continue;
        };
        let Some(m) = Method::parse(m.trim().trim_matches('`')) else {
            continue;
        };
        let path = path.trim().trim_matches('`');
        let note = rest.trim().strip_suffix('|').unwrap_or(rest).trim();
        notes.insert(format!("{} {path}", m.as_str()), note.to_owned());
    }
    notes
}

/// `text` (the file) with its table written from `routes`, notes kept.
pub fn update(text: &str, routes: &[&Route]) -> Result<String, String> {
    let found = BLOCK.contents(text)?;
    BLOCK.replace(text, &table(routes, &notes(found)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declare::Auth;

    #[test]
    fn notes_keep_escaped_bars_and_empty_notes() {
        let notes = notes(
            "| method | path | function | auth | notes |\n|---|---|---|---|---|\n\
             | `GET` | `/a` | get-a | JWT | `?s=x\\|y` |\n| `POST` | `/b` | post-b | IAM |  |\n",
        );
        assert_eq!(notes["GET /a"], "`?s=x\\|y`");
        assert_eq!(notes["POST /b"], "");
        assert_eq!(notes.len(), 2);
    }

    #[test]
    fn a_row_keeps_its_note_a_new_route_gets_an_empty_one_and_local_routes_none() {
        let route = |m, p: &str, local_only| Route {
            method: m,
            path: p.into(),
            function: "f".into(),
            auth: Auth::Iam,
            local_only,
        };
        let (a, b, dev) = (
            route(Method::Get, "/a", false),
            route(Method::Put, "/b", false),
            route(Method::Post, "/dev", true),
        );
        let text = format!(
            "x\n{}\n| `GET` | `/a` | old | JWT | kept |\n{}\ny\n",
            BLOCK.begin, BLOCK.end
        );
        let new = update(&text, &[&a, &b, &dev]).unwrap();
        assert!(
            new.contains("| `GET` | `/a` | f | IAM | kept |\n| `PUT` | `/b` | f | IAM |  |\n\n")
        );
        assert!(!new.contains("/dev"));
        assert!(new.starts_with("x\n") && new.ends_with("y\n"));
    }
}
