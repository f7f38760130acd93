//! One crate per function, `functions/<name>/`: a `Cargo.toml` and a
//! `src/main.rs` that wires the function's handler to the Lambda runtime.
//! `make routes` writes a missing one and never overwrites one.

use crate::declare::{FILE as DECLARATION, Function, Trigger};

pub const DIR: &str = "functions";

/// `functions/<name>/Cargo.toml`.
pub fn cargo_toml(f: &Function) -> String {
    let runtime = runtime(f);
    format!(
        "[package]\nname = \"{name}\"\nedition.workspace = true\nversion.workspace = true\n\
         license.workspace = true\npublish.workspace = true\n\n{BIN}\n[dependencies]\n\
         roster.workspace = true\ntokio.workspace = true\n{runtime}.workspace = true\n",
        name = f.name,
        BIN = bin_section(&f.name),
    )
}

/// The binary, without a test harness: a main has nothing to test, and each
/// harness would link the whole SDK again in `cargo test --workspace`.
fn bin_section(name: &str) -> String {
    format!("[[bin]]\nname = \"{name}\"\npath = \"src/main.rs\"\ntest = false\ndoctest = false\n")
}

fn runtime(f: &Function) -> &'static str {
    match f.trigger {
        Trigger::Http => "lambda_http",
        _ => "lambda_runtime",
    }
}

/// `functions/<name>/src/main.rs`: an HTTP function serves
/// `roster::http::routes::<module>::handle`, another
/// `roster::events::<module>::handle`. None when written by hand.
pub fn main_rs(f: &Function) -> Option<String> {
    if f.hand_written_main {
        return None;
    }
    let (name, module, runtime) = (&f.name, f.module(), runtime(f));
    let (path, serve) = match f.trigger {
        Trigger::Http => (format!("roster::http::routes::{module}"), "serve_http"),
        Trigger::Authorizer => ("roster::authorizer".to_owned(), "serve_event"),
        _ => (format!("roster::events::{module}"), "serve_event"),
    };
    Some(format!(
        "//! `{name}`: wires [`{path}`] to the Lambda runtime.\n\n\
         #[tokio::main]\n\
         async fn main() -> Result<(), {runtime}::Error> {{\n    \
         roster::runtime::{serve}({path}::handle).await\n}}\n"
    ))
}

/// What is wrong with the crates found, `(directory, package name)`: a crate
/// no function declares, a package not named like its directory, and a
/// function whose main is written by hand but missing.
pub fn problems(functions: &[Function], crates: &[(String, Option<String>)]) -> Vec<String> {
    let mut problems = vec![];
    for (dir, package) in crates {
        if package.as_deref() != Some(dir.as_str()) {
            problems.push(format!(
                "{DIR}/{dir}/Cargo.toml: the package must be named {dir} (it is {package:?})."
            ));
        }
        if !functions.iter().any(|f| &f.name == dir) {
            problems.push(format!(
                "{DIR}/{dir}/ is not a function of {DECLARATION}: declare it, or delete the crate."
            ));
        }
    }
    for f in functions.iter().filter(|f| f.hand_written_main) {
        if !crates.iter().any(|(dir, _)| *dir == f.name) {
            problems.push(format!(
                "{DIR}/{}/ is missing, and its main is written by hand (hand_written_main): write \
                 it, or drop hand_written_main to have `make routes` write it.",
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

    fn functions() -> Vec<Function> {
        parse(
            "[[function]]\nname = \"get-org\"\nroutes = [\"GET /orgs/{org}\"]\n\
             [[function]]\nname = \"tick\"\n[function.schedule]\nevent = \"E\"\n\
             rate = \"rate(1 hour)\"\ndescription = \"d\"\nretries = 1\nmax_event_age = 60\n\
             dead_letters = \"Q\"\n",
        )
        .unwrap()
    }

    #[test]
    fn an_http_function_serves_its_routes_module_and_an_event_function_its_handler() {
        let fs = functions();
        assert_eq!(
            main_rs(&fs[0]).unwrap(),
            "//! `get-org`: wires [`roster::http::routes::get_org`] to the Lambda runtime.\n\n\
             #[tokio::main]\nasync fn main() -> Result<(), lambda_http::Error> {\n    \
             roster::runtime::serve_http(roster::http::routes::get_org::handle).await\n}\n"
        );
        assert!(cargo_toml(&fs[0]).ends_with("lambda_http.workspace = true\n"));
        assert!(
            cargo_toml(&fs[0])
                .contains("[[bin]]\nname = \"get-org\"\npath = \"src/main.rs\"\ntest = false\n")
        );
        assert!(
            main_rs(&fs[1])
                .unwrap()
                .contains("serve_event(roster::events::tick::handle)")
        );
        assert!(cargo_toml(&fs[1]).ends_with("lambda_runtime.workspace = true\n"));
    }

    #[test]
    fn a_crate_outside_the_declaration_or_misnamed_fails() {
        let crates = vec![
            ("get-org".to_owned(), Some("get-org".to_owned())),
            ("old".to_owned(), Some("old".to_owned())),
            ("tick".to_owned(), Some("tock".to_owned())),
        ];
        let problems = problems(&functions(), &crates);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("functions/old/ is not a function"));
        assert!(problems[1].contains("must be named tick"));
    }
}
