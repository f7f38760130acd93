//! The copies of the route table that other tools read, checked against it in
//! both directions: a route missing from a copy and a stale entry a copy still
//! has both fail, and the message says which file, which route and what to
//! write — for a generated copy (router, README table, function crate, sample
//! event), "run `make routes`". A generated block that differs in any way from
//! what `make routes` writes fails too. Plain files only, no emulator.

use crate::generate::{self, TABLE};
use crate::table::{EVENT_FUNCTIONS, Trigger, http_functions};
use roster::http::route_table::{Auth, Method, ROUTES, Route};
use serde_json::Value as Json;
use serde_norway::Value as Yaml;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The hint for a generated copy.
const REGENERATE: &str = "Run `make routes`.";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate lives in the workspace")
        .to_path_buf()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|err| panic!("reading {rel}: {err}"))
}

/// What a copy says about one `METHOD /path` (a copy may not state every part).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Seen {
    function: Option<String>,
    auth: Option<Auth>,
}

/// Compares what `copy` lists with the routes it must list; `how_to_add`
/// says what to write for a missing one.
fn compare(
    copy: &str,
    seen: &[((Method, String), Seen)],
    expected: &[&Route],
    how_to_add: impl Fn(&Route) -> String,
    problems: &mut Vec<String>,
) {
    let mut listed: BTreeMap<(Method, String), Seen> = BTreeMap::new();
    for (key, found) in seen {
        if listed.insert(key.clone(), found.clone()).is_some() {
            problems.push(format!(
                "{copy}: `{} {}` is listed twice; keep one.",
                key.0.as_str(),
                key.1
            ));
        }
    }
    for route in expected {
        let key = (route.method, route.path.to_owned());
        match listed.remove(&key) {
            None => problems.push(format!(
                "{copy}: `{}` ({}) is missing. {}",
                route.key(),
                route.function,
                how_to_add(route)
            )),
            Some(found) => {
                if let Some(f) = found.function.filter(|f| f != route.function) {
                    problems.push(format!(
                        "{copy}: `{}` goes to function {f}, the route table says {}.",
                        route.key(),
                        route.function
                    ));
                }
                if let Some(a) = found.auth.filter(|a| *a != route.auth) {
                    problems.push(format!(
                        "{copy}: `{}` has auth {}, the route table says {}.",
                        route.key(),
                        a.as_str(),
                        route.auth.as_str()
                    ));
                }
            }
        }
    }
    for ((method, path), found) in listed {
        problems.push(format!(
            "{copy}: `{} {path}`{} is not in the route table ({TABLE}): remove it from {copy}, \
             or add it to ROUTES if it is new.",
            method.as_str(),
            found
                .function
                .map(|f| format!(" ({f})"))
                .unwrap_or_default(),
        ));
    }
}

fn deployed() -> Vec<&'static Route> {
    ROUTES.iter().filter(|r| !r.local_only).collect()
}

fn all() -> Vec<&'static Route> {
    ROUTES.iter().collect()
}

fn method(raw: &str, copy: &str, problems: &mut Vec<String>) -> Option<Method> {
    let m = Method::parse(raw);
    if m.is_none() {
        problems.push(format!("{copy}: unknown method {raw:?}."));
    }
    m
}

fn pascal(function: &str) -> String {
    function
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Cargo.toml: the `cargo lambda watch` router (make dev).
// ---------------------------------------------------------------------------

fn router_problems(cargo_toml: &str) -> Vec<String> {
    const COPY: &str = "Cargo.toml [workspace.metadata.lambda.watch.router]";
    let mut problems = vec![];
    let doc = toml::Value::Table(cargo_toml.parse().expect("Cargo.toml parses"));
    let router = ["workspace", "metadata", "lambda", "watch", "router"]
        .iter()
        .try_fold(&doc, |v, k| v.get(k))
        .and_then(toml::Value::as_table);
    let mut seen = vec![];
    for (path, entries) in router.into_iter().flatten() {
        for entry in entries.as_array().into_iter().flatten() {
            let (Some(m), Some(f)) = (
                entry.get("method").and_then(toml::Value::as_str),
                entry.get("function").and_then(toml::Value::as_str),
            ) else {
                problems.push(format!(
                    "{COPY}: an entry of {path:?} lacks `method` or `function`."
                ));
                continue;
            };
            if let Some(m) = method(m, COPY, &mut problems) {
                seen.push((
                    (m, generate::table_path(path)),
                    Seen {
                        function: Some(f.to_owned()),
                        auth: None,
                    },
                ));
            }
        }
    }
    compare(COPY, &seen, &all(), |_| REGENERATE.into(), &mut problems);
    problems
}

/// A generated block of `file` that is not what `make routes` writes
/// (`render` renders it from the block as found).
fn block_problems(
    file: &str,
    text: &str,
    (begin, end): (&str, &str),
    render: impl Fn(&str) -> String,
) -> Vec<String> {
    match generate::block(text, begin, end) {
        Err(err) => vec![format!(
            "{file}: {err}. The generated block sits between the lines `{begin}` and `{end}`: \
             put them back around it, then run `make routes`."
        )],
        Ok(found) if found != render(found) => vec![format!(
            "{file}: the block between `{begin}` and `{end}` is not what `make routes` writes \
             from the route table (edited by hand, or the table changed): run `make routes`."
        )],
        Ok(_) => vec![],
    }
}

fn router_block_problems(cargo_toml: &str) -> Vec<String> {
    block_problems(
        "Cargo.toml",
        cargo_toml,
        (generate::ROUTER_BEGIN, generate::ROUTER_END),
        |_| generate::router(),
    )
}

fn readme_block_problems(readme: &str) -> Vec<String> {
    block_problems(
        "README.md",
        readme,
        (generate::README_BEGIN, generate::README_END),
        |found| generate::readme_table(&generate::readme_notes(found)),
    )
}

// ---------------------------------------------------------------------------
// infra/template.yaml: function resources and their events.
// ---------------------------------------------------------------------------

fn tagless(v: &Yaml) -> &Yaml {
    match v {
        Yaml::Tagged(t) => &t.value,
        other => other,
    }
}

fn template_problems(template: &str) -> Vec<String> {
    const COPY: &str = "infra/template.yaml";
    let mut problems = vec![];
    let doc: Yaml = serde_norway::from_str(template).expect("template.yaml parses");
    let mut seen = vec![];
    let mut functions: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
    let resources = doc.get("Resources").and_then(Yaml::as_mapping);
    for (id, res) in resources.into_iter().flatten() {
        if res.get("Type").and_then(Yaml::as_str) != Some("AWS::Serverless::Function") {
            continue;
        }
        let id = id.as_str().unwrap_or_default().to_owned();
        let meta = res.get("Metadata");
        let Some(binary) = meta
            .and_then(|m| m.get("BuildProperties"))
            .and_then(|b| b.get("Binary"))
            .and_then(Yaml::as_str)
        else {
            problems.push(format!(
                "{COPY}: function {id} has no Metadata.BuildProperties.Binary (the function's crate name)."
            ));
            continue;
        };
        if meta
            .and_then(|m| m.get("BuildMethod"))
            .and_then(Yaml::as_str)
            != Some("rust-cargolambda")
        {
            problems.push(format!(
                "{COPY}: {id} needs `Metadata: BuildMethod: rust-cargolambda`."
            ));
        }
        let props = res.get("Properties");
        if props.and_then(|p| p.get("CodeUri")).and_then(Yaml::as_str) != Some("..") {
            problems.push(format!(
                "{COPY}: {id} needs `CodeUri: ..` (the workspace root)."
            ));
        }
        if id != pascal(binary) {
            problems.push(format!(
                "{COPY}: the resource of function {binary} is named {id}; name it {}.",
                pascal(binary)
            ));
        }
        let mut event_types = BTreeSet::new();
        let events = props
            .and_then(|p| p.get("Events"))
            .and_then(Yaml::as_mapping);
        for (name, event) in events.into_iter().flatten() {
            let kind = event.get("Type").and_then(Yaml::as_str).unwrap_or_default();
            event_types.insert(kind.to_owned());
            if kind != "HttpApi" {
                continue;
            }
            let ep = event.get("Properties");
            let field = |k: &str| ep.and_then(|p| p.get(k)).and_then(Yaml::as_str);
            let (Some(m), Some(path)) = (field("Method"), field("Path")) else {
                problems.push(format!(
                    "{COPY}: {id}.Events.{} lacks Method or Path.",
                    name.as_str().unwrap_or_default()
                ));
                continue;
            };
            if ep.and_then(|p| p.get("ApiId")).map(tagless) != Some(&Yaml::from("HttpApi")) {
                problems.push(format!(
                    "{COPY}: {id} `{m} {path}` needs `ApiId: !Ref HttpApi`."
                ));
            }
            let auth = match ep
                .and_then(|p| p.get("Auth"))
                .and_then(|a| a.get("Authorizer"))
                .and_then(Yaml::as_str)
            {
                None | Some("JwtAuthorizer") => Some(Auth::Jwt),
                Some("AWS_IAM") => Some(Auth::Iam),
                Some("NONE") => Some(Auth::Public),
                Some(other) => {
                    problems.push(format!(
                        "{COPY}: {id} `{m} {path}` has an unknown authorizer {other:?}."
                    ));
                    None
                }
            };
            if let Some(m) = method(m, COPY, &mut problems) {
                seen.push((
                    (m, path.to_owned()),
                    Seen {
                        function: Some(binary.to_owned()),
                        auth,
                    },
                ));
            }
        }
        functions.insert(binary.to_owned(), (id, event_types));
    }
    compare(
        COPY,
        &seen,
        &deployed(),
        |r| {
            let auth = match r.auth {
                Auth::Jwt => String::new(),
                Auth::Iam => ", Auth: {Authorizer: AWS_IAM}".into(),
                Auth::Public => ", Auth: {Authorizer: NONE}".into(),
            };
            format!(
                "Add to {}.Properties.Events: `{{Type: HttpApi, Properties: {{ApiId: !Ref HttpApi, \
                 Method: {}, Path: {}{auth}}}}}`.",
                pascal(r.function),
                r.method.as_str(),
                r.path
            )
        },
        &mut problems,
    );
    let http: BTreeSet<&str> = deployed().iter().map(|r| r.function).collect();
    for function in &http {
        if !functions.contains_key(*function) {
            problems.push(format!(
                "{COPY}: no AWS::Serverless::Function builds {function}: add resource {} \
                 (copy GetOrg's: Metadata BuildMethod rust-cargolambda, BuildProperties.Binary: \
                 {function}, CodeUri: .., its HttpApi events and least-privilege Policies).",
                pascal(function)
            ));
        }
    }
    for (function, trigger) in EVENT_FUNCTIONS {
        match functions.get(*function) {
            None => problems.push(format!(
                "{COPY}: no AWS::Serverless::Function builds {function} (an event function, \
                 {trigger:?})."
            )),
            Some((id, types)) if !types.contains(trigger.sam_event_type()) => {
                problems.push(format!(
                    "{COPY}: {id} ({function}) has no event of Type {}.",
                    trigger.sam_event_type()
                ))
            }
            Some(_) => {}
        }
    }
    for (function, (id, _)) in &functions {
        let known =
            http.contains(function.as_str()) || EVENT_FUNCTIONS.iter().any(|(f, _)| f == function);
        if !known {
            problems.push(format!(
                "{COPY}: function {id} ({function}) has no route in the route table ({TABLE}) and \
                 is not in EVENT_FUNCTIONS: remove it, or add its routes."
            ));
        }
    }
    problems
}

// ---------------------------------------------------------------------------
// infra/openapi.yaml: paths and methods, and the security of each.
// ---------------------------------------------------------------------------

fn openapi_problems(openapi: &str) -> Vec<String> {
    const COPY: &str = "infra/openapi.yaml";
    let mut problems = vec![];
    let doc: Yaml = serde_norway::from_str(openapi).expect("openapi.yaml parses");
    let mut seen = vec![];
    let paths = doc.get("paths").and_then(Yaml::as_mapping);
    for (path, item) in paths.into_iter().flatten() {
        let path = path.as_str().unwrap_or_default();
        for (key, op) in item.as_mapping().into_iter().flatten() {
            let key = key.as_str().unwrap_or_default();
            if matches!(
                key,
                "parameters" | "summary" | "description" | "servers" | "$ref"
            ) {
                continue;
            }
            let Some(m) = method(key, COPY, &mut problems) else {
                continue;
            };
            let auth = match op.get("security").and_then(Yaml::as_sequence) {
                None => Auth::Jwt, // the document's default: bearerAuth
                Some(s) if s.is_empty() => Auth::Public,
                Some(s) if s.iter().any(|r| r.get("awsSigV4").is_some()) => Auth::Iam,
                Some(_) => Auth::Jwt,
            };
            seen.push((
                (m, path.to_owned()),
                Seen {
                    function: None,
                    auth: Some(auth),
                },
            ));
        }
    }
    compare(
        COPY,
        &seen,
        &deployed(),
        |r| {
            let security = match r.auth {
                Auth::Jwt => "",
                Auth::Iam => ", with `security: [{awsSigV4: []}]`",
                Auth::Public => ", with `security: []`",
            };
            format!(
                "Add `{}:` under `paths: {}:` (operationId, parameters, responses{security}).",
                r.method.as_str().to_ascii_lowercase(),
                r.path
            )
        },
        &mut problems,
    );
    problems
}

// ---------------------------------------------------------------------------
// README.md: the API table, one row per route: | `METHOD` | `/path` | function | auth | notes |
// ---------------------------------------------------------------------------

fn cells(line: &str) -> Vec<String> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(|c| c.trim().trim_matches('`').trim().to_owned())
        .collect()
}

fn readme_problems(readme: &str) -> Vec<String> {
    const COPY: &str = "README.md (the API table)";
    let mut problems = vec![];
    let mut seen = vec![];
    for line in readme.lines().filter(|l| l.trim_start().starts_with('|')) {
        let cells = cells(line);
        let (Some(m), Some(path)) = (cells.first(), cells.get(1)) else {
            continue;
        };
        let Some(m) = Method::parse(m) else { continue };
        if !path.starts_with('/') {
            continue;
        }
        let auth = match cells.get(3).map(String::as_str) {
            Some("JWT") => Some(Auth::Jwt),
            Some("IAM") => Some(Auth::Iam),
            Some("none") => Some(Auth::Public),
            other => {
                problems.push(format!(
                    "{COPY}: `{} {path}` has auth {other:?}; write JWT, IAM or none.",
                    m.as_str()
                ));
                None
            }
        };
        seen.push((
            (m, path.clone()),
            Seen {
                function: cells.get(2).cloned(),
                auth,
            },
        ));
    }
    compare(
        COPY,
        &seen,
        &deployed(),
        |_| format!("{REGENERATE} (It keeps the notes column.)"),
        &mut problems,
    );
    problems
}

// ---------------------------------------------------------------------------
// events/*.json: a sample event per function and per route.
// ---------------------------------------------------------------------------

fn percent_decoded(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

/// Problems of one HTTP sample event, named `file`.
fn http_event_problems(file: &str, stem: &str, event: &Json, problems: &mut Vec<String>) {
    let route_key = event["routeKey"].as_str().unwrap_or_default();
    let Some(route) = ROUTES.iter().find(|r| r.key() == route_key) else {
        problems.push(format!(
            "{file}: routeKey `{route_key}` is not in the route table ({TABLE}): fix the \
             routeKey, or delete the file if the route is gone."
        ));
        return;
    };
    let f = route.function;
    if stem != f && !stem.starts_with(&format!("{f}-")) {
        problems.push(format!(
            "{file}: a sample of `{route_key}`, which {f} serves: name it events/{f}.json or \
             events/{f}-<variant>.json."
        ));
    }
    let ctx = &event["requestContext"];
    if ctx["routeKey"] != event["routeKey"] {
        problems.push(format!(
            "{file}: requestContext.routeKey is {}, routeKey is `{route_key}`.",
            ctx["routeKey"]
        ));
    }
    if ctx["http"]["method"].as_str() != Some(route.method.as_str()) {
        problems.push(format!(
            "{file}: requestContext.http.method is {}, the route's is {}.",
            ctx["http"]["method"],
            route.method.as_str()
        ));
    }
    let raw_path = event["rawPath"].as_str().unwrap_or_default();
    if ctx["http"]["path"].as_str() != Some(raw_path) {
        problems.push(format!(
            "{file}: requestContext.http.path is {}, rawPath is {raw_path:?}.",
            ctx["http"]["path"]
        ));
    }
    match route.match_path(raw_path) {
        None => problems.push(format!(
            "{file}: rawPath {raw_path:?} is not a path of `{route_key}`."
        )),
        Some(params) => {
            let from_path: BTreeMap<String, String> = params
                .into_iter()
                .map(|(k, v)| (k.to_owned(), percent_decoded(v)))
                .collect();
            let given: BTreeMap<String, String> = event["pathParameters"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect();
            if from_path != given {
                problems.push(format!(
                    "{file}: pathParameters are {given:?}; rawPath {raw_path:?} gives {from_path:?}."
                ));
            }
        }
    }
    let authorizer = &ctx["authorizer"];
    let auth_ok = match route.auth {
        Auth::Jwt => authorizer["jwt"]["claims"].is_object(),
        Auth::Iam => authorizer["iam"].is_object(),
        Auth::Public => authorizer.is_null(),
    };
    if !auth_ok {
        problems.push(format!(
            "{file}: `{route_key}` has auth {}, so requestContext.authorizer should be {}.",
            route.auth.as_str(),
            match route.auth {
                Auth::Jwt => "{\"jwt\": {\"claims\": ...}} (see events/get-org.json)",
                Auth::Iam => "{\"iam\": ...} (see events/introspect-token.json)",
                Auth::Public => "absent",
            }
        ));
    }
}

/// `files`: (file name, contents) of every `events/*.json`.
fn events_problems(files: &[(String, String)]) -> Vec<String> {
    let mut problems = vec![];
    let mut sampled: BTreeSet<String> = BTreeSet::new();
    let names: BTreeSet<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for (name, text) in files {
        let file = format!("events/{name}");
        let stem = name.trim_end_matches(".json");
        let event: Json = match serde_json::from_str(text) {
            Ok(e) => e,
            Err(err) => {
                problems.push(format!("{file}: not JSON ({err})."));
                continue;
            }
        };
        if event.get("routeKey").is_some() {
            http_event_problems(&file, stem, &event, &mut problems);
            sampled.insert(event["routeKey"].as_str().unwrap_or_default().to_owned());
            continue;
        }
        let owner = EVENT_FUNCTIONS
            .iter()
            .find(|(f, _)| stem == *f || stem.starts_with(&format!("{f}-")));
        match owner {
            None => problems.push(format!(
                "{file}: no routeKey, so not an HTTP sample, and not named after an event \
                 function ({EVENT_FUNCTIONS:?}): delete it if its function is gone."
            )),
            Some((f, Trigger::Stream)) if !event["Records"].is_array() => {
                problems.push(format!("{file}: a {f} sample needs a `Records` array."))
            }
            Some((f, Trigger::Schedule)) if event["detail-type"] != "Scheduled Event" => problems
                .push(format!(
                    "{file}: a {f} sample needs `\"detail-type\": \"Scheduled Event\"`."
                )),
            Some(_) => {}
        }
    }
    // A function whose route has no sample gets one from `make routes`.
    let mut unsampled = BTreeSet::new();
    for route in ROUTES {
        if !sampled.contains(&route.key()) {
            unsampled.insert(route.function);
            problems.push(format!(
                "events/: no sample event for `{}`: run `make routes` (it writes events/{} from \
                 the route; then give it a realistic body if the route takes one).",
                route.key(),
                generate::sample_event_name(route, |n| names.contains(n)),
            ));
        }
    }
    let functions = http_functions()
        .into_iter()
        .chain(EVENT_FUNCTIONS.iter().map(|(f, _)| *f));
    for f in functions {
        if !names.contains(format!("{f}.json").as_str()) && !unsampled.contains(f) {
            problems.push(format!(
                "events/{f}.json is missing: `make invoke FN={f}` runs it."
            ));
        }
    }
    problems
}

// ---------------------------------------------------------------------------
// functions/*: one crate per function, named like it.
// ---------------------------------------------------------------------------

fn functions_problems(crates: &[(String, Option<String>)]) -> Vec<String> {
    let mut problems = vec![];
    let expected: BTreeSet<&str> = http_functions()
        .into_iter()
        .chain(EVENT_FUNCTIONS.iter().map(|(f, _)| *f))
        .collect();
    for (dir, package) in crates {
        if package.as_deref() != Some(dir.as_str()) {
            problems.push(format!(
                "functions/{dir}/Cargo.toml: the package must be named {dir} (it is {package:?})."
            ));
        }
        if !expected.contains(dir.as_str()) {
            problems.push(format!(
                "functions/{dir}/ has no route in the route table ({TABLE}) and is not in \
                 EVENT_FUNCTIONS: add its routes, or delete the crate."
            ));
        }
    }
    for f in expected {
        if !crates.iter().any(|(dir, _)| dir == f) {
            problems.push(format!(
                "functions/{f}/ is missing: run `make routes` (it writes its Cargo.toml and \
                 src/main.rs, which wires roster::http::routes::{}::handle).",
                f.replace('-', "_")
            ));
        }
    }
    problems
}

// ---------------------------------------------------------------------------
// shared/src/http/routes/<module>.rs: the routes the module doc names.
// ---------------------------------------------------------------------------

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

fn route_doc_problems(modules: &[(String, String)]) -> Vec<String> {
    let mut problems = vec![];
    for (module, text) in modules {
        let function = module.replace('_', "-");
        let doc: String = text
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        let named = doc_routes(&doc);
        let served: BTreeSet<String> = ROUTES
            .iter()
            .filter(|r| r.function == function)
            .map(Route::key)
            .collect();
        let file = format!("shared/src/http/routes/{module}.rs");
        for missing in served.difference(&named) {
            problems.push(format!("{file}: the module doc does not name `{missing}`."));
        }
        for stale in named.difference(&served) {
            problems.push(format!(
                "{file}: the module doc names `{stale}`, which {function} does not serve \
                 according to the route table ({TABLE})."
            ));
        }
    }
    problems
}

// ---------------------------------------------------------------------------

fn dir_entries(rel: &str) -> Vec<(String, PathBuf)> {
    let mut entries: Vec<(String, PathBuf)> = std::fs::read_dir(repo().join(rel))
        .unwrap_or_else(|err| panic!("listing {rel}: {err}"))
        .map(|e| e.expect("directory entry"))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    entries.sort();
    entries
}

fn report(problems: &[String]) -> String {
    let mut out = format!(
        "The route table ({TABLE}) and its copies disagree ({} problem{}):\n",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        let _ = writeln!(out, "  - {p}");
    }
    out
}

#[test]
fn every_copy_of_the_route_table_lists_exactly_its_routes() {
    let cargo_toml = read("Cargo.toml");
    let mut problems = router_problems(&cargo_toml);
    if problems.is_empty() {
        problems.extend(router_block_problems(&cargo_toml));
    }
    problems.extend(template_problems(&read("infra/template.yaml")));
    problems.extend(openapi_problems(&read("infra/openapi.yaml")));
    let readme = read("README.md");
    let readme_rows = readme_problems(&readme);
    if readme_rows.is_empty() {
        problems.extend(readme_block_problems(&readme));
    }
    problems.extend(readme_rows);
    let events: Vec<(String, String)> = dir_entries("events")
        .into_iter()
        .filter(|(name, _)| name.ends_with(".json"))
        .map(|(name, path)| {
            let text = std::fs::read_to_string(&path).expect("reading a sample event");
            (name, text)
        })
        .collect();
    problems.extend(events_problems(&events));
    let crates: Vec<(String, Option<String>)> = dir_entries("functions")
        .into_iter()
        .filter(|(_, path)| path.is_dir())
        .map(|(dir, path)| {
            let package = std::fs::read_to_string(path.join("Cargo.toml"))
                .ok()
                .and_then(|t| t.parse::<toml::Table>().ok())
                .and_then(|t| t.get("package")?.get("name")?.as_str().map(str::to_owned));
            (dir, package)
        })
        .collect();
    problems.extend(functions_problems(&crates));
    let modules: Vec<(String, String)> = dir_entries("shared/src/http/routes")
        .into_iter()
        .filter(|(name, _)| name.ends_with(".rs") && name != "mod.rs")
        .map(|(name, path)| {
            let text = std::fs::read_to_string(&path).expect("reading a route module");
            (name.trim_end_matches(".rs").to_owned(), text)
        })
        .collect();
    problems.extend(route_doc_problems(&modules));
    assert!(problems.is_empty(), "{}", report(&problems));
}

// The checks themselves, on small inputs: each direction of each copy fails.

#[test]
fn compare_reports_a_missing_route_a_stale_one_a_wrong_function_and_a_wrong_auth() {
    let a = Route::jwt(Method::Get, "/a", "get-a");
    let seen = vec![
        (
            (Method::Get, "/a".to_owned()),
            Seen {
                function: Some("other".into()),
                auth: Some(Auth::Iam),
            },
        ),
        ((Method::Post, "/stale".to_owned()), Seen::default()),
    ];
    let b = Route::jwt(Method::Put, "/b", "put-b");
    let mut problems = vec![];
    compare("copy", &seen, &[&a, &b], |_| "HINT".into(), &mut problems);
    assert_eq!(
        problems,
        [
            "copy: `GET /a` goes to function other, the route table says get-a.",
            "copy: `GET /a` has auth IAM, the route table says JWT.",
            "copy: `PUT /b` (put-b) is missing. HINT",
            &format!(
                "copy: `POST /stale` is not in the route table ({TABLE}): remove it from copy, \
                 or add it to ROUTES if it is new."
            ),
        ]
    );
}

#[test]
fn a_router_without_a_route_fails_and_names_the_entry_to_add() {
    let toml = read("Cargo.toml").replace(
        "\"/orgs/{org}/audit\" = [{ method = \"GET\", function = \"list-audit-events\" }]",
        "",
    );
    let problems = router_problems(&toml);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .contains("`GET /orgs/{org}/audit` (list-audit-events) is missing. Run `make routes`.")
    );
    let toml = read("Cargo.toml").replace("{ method = \"PATCH\", function = \"update-org\" },", "");
    let problems = router_problems(&toml);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("`PATCH /orgs/{org}` (update-org) is missing. Run `make routes`.")
    );
}

#[test]
fn a_generated_block_edited_by_hand_or_without_its_markers_fails() {
    let toml = read("Cargo.toml");
    assert_eq!(router_block_problems(&toml), Vec::<String>::new());
    // Same routes, other order: the router still works, but it is not generated.
    let reordered = toml.replace(
        "    { method = \"GET\", function = \"get-org\" },\n    { method = \"PATCH\", function = \"update-org\" },",
        "    { method = \"PATCH\", function = \"update-org\" },\n    { method = \"GET\", function = \"get-org\" },",
    );
    assert_eq!(router_problems(&reordered), Vec::<String>::new());
    let problems = router_block_problems(&reordered);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].ends_with("run `make routes`."), "{problems:?}");
    let unmarked = toml.replace(generate::ROUTER_END, "");
    assert!(router_block_problems(&unmarked)[0].contains("put them back"));
    // README: a changed note is kept, a changed function is not.
    let readme = read("README.md");
    assert_eq!(readme_block_problems(&readme), Vec::<String>::new());
    let noted = readme.replace(
        "| revoke-token | JWT |  |",
        "| revoke-token | JWT | a note |",
    );
    assert_ne!(noted, readme);
    assert_eq!(readme_block_problems(&noted), Vec::<String>::new());
    let stale = readme.replace("| revoke-token | JWT |", "| revoke-tokens | JWT |");
    assert_eq!(readme_block_problems(&stale).len(), 1);
}

#[test]
fn a_template_with_an_extra_route_or_a_wrong_authorizer_fails() {
    let template = read("infra/template.yaml")
        .replace("Path: /orgs/{org}/audit", "Path: /orgs/{org}/audit-log")
        .replace("Authorizer: AWS_IAM", "Authorizer: NONE");
    let problems = template_problems(&template);
    let joined = problems.join("\n");
    assert!(joined.contains("`GET /orgs/{org}/audit` (list-audit-events) is missing"));
    assert!(joined.contains("`GET /orgs/{org}/audit-log` (list-audit-events) is not in"));
    assert!(joined.contains("`POST /tokens/introspect` has auth none, the route table says IAM"));
    assert_eq!(problems.len(), 3, "{joined}");
}

#[test]
fn a_readme_row_or_openapi_operation_missing_fails() {
    let readme = "| method | path | function | auth | notes |\n|---|---|---|---|---|\n\
                  | `POST` | `/orgs` | create-org | JWT | |\n";
    let problems = readme_problems(readme);
    assert_eq!(problems.len(), deployed().len() - 1, "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`GET /me/orgs` (list-my-orgs) is missing. Run `make routes`."))
    );
    let openapi =
        read("infra/openapi.yaml").replace("  /me/orgs:\n    get:", "  /me/orgs:\n    put:");
    let problems = openapi_problems(&openapi);
    assert_eq!(problems.len(), 2, "{problems:?}");
}

#[test]
fn sample_events_must_match_their_route_and_exist_for_every_route() {
    let mut files: Vec<(String, String)> = dir_entries("events")
        .into_iter()
        .map(|(n, p)| (n, std::fs::read_to_string(p).unwrap()))
        .collect();
    let get_member = files
        .iter_mut()
        .find(|(n, _)| n == "get-member.json")
        .unwrap();
    get_member.1 = get_member.1.replace(
        "\"user_id\": \"dev|bob@example.com\"",
        "\"user_id\": \"carol\"",
    );
    files.retain(|(n, _)| n != "sweep.json");
    let problems = events_problems(&files);
    let joined = problems.join("\n");
    assert!(
        joined.contains("events/get-member.json: pathParameters are"),
        "{joined}"
    );
    assert!(joined.contains("events/sweep.json is missing"), "{joined}");
}

#[test]
fn a_function_crate_outside_the_table_fails() {
    let crates = vec![("get-org".to_owned(), Some("get-org".to_owned()))];
    let problems = functions_problems(&crates);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("functions/create-org/ is missing"))
    );
    let crates = [crates, vec![("old".to_owned(), Some("old".to_owned()))]].concat();
    let problems = functions_problems(&crates);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("functions/old/ has no route"))
    );
}

#[test]
fn route_module_docs_name_exactly_their_routes() {
    let modules = vec![(
        "issue_token".to_owned(),
        "//! `POST /orgs/{org}/tokens?x=1` only.\n//! `GET /gone`.\nuse x;\n//! `POST /orgs/{org}/members/{user_id}/tokens`".to_owned(),
    )];
    let problems = route_doc_problems(&modules);
    assert_eq!(
        problems,
        [
            "shared/src/http/routes/issue_token.rs: the module doc does not name `POST /orgs/{org}/members/{user_id}/tokens`.",
            &format!(
                "shared/src/http/routes/issue_token.rs: the module doc names `GET /gone`, which issue-token does not serve according to the route table ({TABLE})."
            ),
        ]
    );
}

/// `infra/functions.toml` says what the route table and the template say: the
/// same routes, and the same IAM grants per function.
#[test]
fn the_declaration_agrees_with_the_route_table_and_the_template() {
    let functions = crate::declare::parse(&read("infra/functions.toml")).expect("it parses");
    let declared: Vec<(String, String, String, bool)> = crate::declare::routes(&functions)
        .into_iter()
        .map(|r| {
            (
                r.key(),
                r.function.clone(),
                r.auth.as_str().to_owned(),
                r.local_only,
            )
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let table: Vec<(String, String, String, bool)> = ROUTES
        .iter()
        .map(|r| {
            (
                r.key(),
                r.function.to_owned(),
                r.auth.as_str().to_owned(),
                r.local_only,
            )
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(declared, table);
    let doc: Yaml = serde_norway::from_str(&read("infra/template.yaml")).unwrap();
    let mut in_template = BTreeMap::new();
    for (_, res) in doc["Resources"].as_mapping().unwrap() {
        if res["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let mut grants = BTreeSet::new();
        for policy in res["Properties"]["Policies"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            for st in policy["Statement"].as_sequence().unwrap() {
                let actions: Vec<String> = match &st["Action"] {
                    Yaml::String(s) => vec![s.clone()],
                    Yaml::Sequence(v) => v.iter().map(|a| a.as_str().unwrap().to_owned()).collect(),
                    other => panic!("{other:?}"),
                };
                let Yaml::Tagged(t) = &st["Resource"] else {
                    panic!()
                };
                let on = t.value.as_str().unwrap();
                let on = if on == "Table.Arn" {
                    "table".to_owned()
                } else if let Some(i) = on.strip_prefix("${Table.Arn}/index/") {
                    i.to_owned()
                } else {
                    "ses".to_owned()
                };
                for a in actions {
                    grants.insert((a, on.clone()));
                }
            }
        }
        let binary = res["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap();
        in_template.insert(binary.to_owned(), grants);
    }
    let mut declared = BTreeMap::new();
    for f in &functions {
        let mut grants = BTreeSet::new();
        for a in &f.table {
            grants.insert((format!("dynamodb:{a}"), "table".to_owned()));
        }
        for (index, actions) in &f.indexes {
            for a in actions {
                grants.insert((format!("dynamodb:{a}"), index.clone()));
            }
        }
        if f.mail {
            grants.insert(("ses:SendEmail".to_owned(), "ses".to_owned()));
        }
        declared.insert(f.name.clone(), grants);
    }
    assert_eq!(declared, in_template);
}
