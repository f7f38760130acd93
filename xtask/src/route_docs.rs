//! The routes modules, `shared/src/http/routes/<module>.rs`, written by hand:
//! one per HTTP function whose main `make routes` writes, and its `//!` doc
//! names exactly the function's routes (`` `METHOD /path` ``), so a reader
//! finds a route's code by searching for it.

use crate::declare::{FILE as DECLARATION, Function, Method};
use crate::rust::ROUTES_DIR;
use std::collections::BTreeSet;

/// `METHOD /path` mentions in backticks, without query strings.
fn doc_routes(doc: &str) -> BTreeSet<String> {
    doc.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|code| {
            let (m, rest) = code.split_once(' ')?;
            Method::parse(m)?;
            rest.starts_with('/').then(|| {
                let path = rest.split(['?', '[']).next().unwrap_or(rest);
                format!("{m} {path}")
            })
        })
        .collect()
}

/// `modules`: (module name, text) of every module but `mod.rs`.
pub fn problems(functions: &[Function], modules: &[(String, String)]) -> Vec<String> {
    let mut problems = vec![];
    let expected: Vec<&Function> = functions.iter().filter(|f| f.has_routes_module()).collect();
    for f in &expected {
        if !modules.iter().any(|(m, _)| *m == f.module()) {
            problems.push(format!(
                "{ROUTES_DIR}/{}.rs is missing: write its `run` and `super::handle_with!(run);` \
                 (functions/{}/ serves its `handle`), with a `//!` doc naming {}.",
                f.module(),
                f.name,
                f.routes
                    .iter()
                    .map(|r| format!("`{}`", r.key()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    for (module, text) in modules {
        let file = format!("{ROUTES_DIR}/{module}.rs");
        let Some(f) = expected.iter().find(|f| f.module() == *module) else {
            problems.push(format!(
                "{file}: no HTTP function {} in {DECLARATION}: declare it, or delete the module.",
                module.replace('_', "-")
            ));
            continue;
        };
        let doc: String = text
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        let named = doc_routes(&doc);
        let served: BTreeSet<String> = f.routes.iter().map(|r| r.key()).collect();
        for missing in served.difference(&named) {
            problems.push(format!("{file}: the module doc does not name `{missing}`."));
        }
        for stale in named.difference(&served) {
            problems.push(format!(
                "{file}: the module doc names `{stale}`, which {} does not serve according to \
                 {DECLARATION}.",
                f.name
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declare::parse;

    #[test]
    fn route_module_docs_name_exactly_their_routes_and_every_module_has_a_function() {
        let functions = parse(
            "[[function]]\nname = \"issue-token\"\n\
             routes = [\"POST /orgs/{org}/tokens\", \"POST /orgs/{org}/members/{user_id}/tokens\"]\n\
             [[function]]\nname = \"get-org\"\nroutes = [\"GET /orgs/{org}\"]\n",
        )
        .unwrap();
        let modules = vec![
            (
                "issue_token".to_owned(),
                "//! `POST /orgs/{org}/tokens?x=1` only.\n//! `GET /gone`.\nuse x;\n//! `POST /orgs/{org}/members/{user_id}/tokens`".to_owned(),
            ),
            ("old".to_owned(), "//! `GET /old`\n".to_owned()),
        ];
        let problems = problems(&functions, &modules);
        assert_eq!(
            problems,
            [
                "shared/src/http/routes/get_org.rs is missing: write its `run` and `super::handle_with!(run);` (functions/get-org/ serves its `handle`), with a `//!` doc naming `GET /orgs/{org}`.",
                "shared/src/http/routes/issue_token.rs: the module doc does not name `POST /orgs/{org}/members/{user_id}/tokens`.",
                "shared/src/http/routes/issue_token.rs: the module doc names `GET /gone`, which issue-token does not serve according to infra/functions.toml.",
                "shared/src/http/routes/old.rs: no HTTP function old in infra/functions.toml: declare it, or delete the module.",
            ]
        );
    }
}
