//! The copies of the route table that are generated rather than written by
//! hand: the `cargo lambda watch` router block in `Cargo.toml`, the README's
//! API table block, a new function's crate (`functions/<name>/`) and a new
//! route's sample event (`events/<name>.json`). `make routes` (`cargo xtask
//! routes`) writes them with these functions;
//! the `copies` test renders them again and fails, saying "run `make routes`",
//! when a generated block is stale. The blocks sit between marker lines, and
//! nothing outside the markers is touched. The SAM template and the OpenAPI
//! document stay hand-written (and checked).

use roster::http::route_table::{Auth, Method, ROUTES, Route};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The route table's path, named in the marker lines and messages.
pub const TABLE: &str = "shared/src/http/route_table/mod.rs";

/// Marker lines around the router in `Cargo.toml`.
pub const ROUTER_BEGIN: &str = "# Generated from shared/src/http/route_table/mod.rs by `make routes`: edit the table, not this block.";
pub const ROUTER_END: &str = "# End of the generated router.";

/// Marker lines around the API table in `README.md`.
pub const README_BEGIN: &str = "<!-- Generated from shared/src/http/route_table/mod.rs by `make routes`; only the notes column is edited here. -->";
pub const README_END: &str = "<!-- End of the generated API table. -->";

/// The lines between [`ROUTER_BEGIN`] and [`ROUTER_END`]: one key per path,
/// in the order the paths first appear in [`ROUTES`].
pub fn router() -> String {
    let mut paths: Vec<(&str, Vec<&Route>)> = Vec::new();
    for route in ROUTES {
        match paths.iter_mut().find(|(p, _)| *p == route.path) {
            Some((_, routes)) => routes.push(route),
            None => paths.push((route.path, vec![route])),
        }
    }
    let entry = |r: &Route| {
        format!(
            "{{ method = \"{}\", function = \"{}\" }}",
            r.method.as_str(),
            r.function
        )
    };
    let mut out = String::from("[workspace.metadata.lambda.watch.router]\n");
    for (path, routes) in paths {
        let path = router_path(path);
        match routes.as_slice() {
            [one] => {
                let _ = writeln!(out, "\"{path}\" = [{}]", entry(one));
            }
            many => {
                let _ = writeln!(out, "\"{path}\" = [");
                for r in many {
                    let _ = writeln!(out, "    {},", entry(r));
                }
                out.push_str("]\n");
            }
        }
    }
    out
}

/// A table path as the `cargo lambda watch` router spells it: API Gateway's
/// greedy `{name+}` is the router's catch-all `{*name}`.
pub fn router_path(path: &str) -> String {
    path.split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix("+}")) {
                Some(name) => format!("{{*{name}}}"),
                None => segment.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// The inverse of [`router_path`].
pub fn table_path(router_path: &str) -> String {
    router_path
        .split('/')
        .map(
            |segment| match segment.strip_prefix("{*").and_then(|s| s.strip_suffix('}')) {
                Some(name) => format!("{{{name}+}}"),
                None => segment.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// The lines between [`README_BEGIN`] and [`README_END`]: a header, one row
/// per deployed route in table order, and a blank line that ends the table.
/// `notes` (by route key, from [`readme_notes`]) are kept; a new route's are
/// empty.
pub fn readme_table(notes: &BTreeMap<String, String>) -> String {
    let mut out =
        String::from("| method | path | function | auth | notes |\n|---|---|---|---|---|\n");
    for route in ROUTES.iter().filter(|r| !r.local_only) {
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

/// The notes column of the rows of a README table, by route key. The first
/// four cells never hold a `|`; the notes may (escaped as `\|`).
pub fn readme_notes(table: &str) -> BTreeMap<String, String> {
    let mut notes = BTreeMap::new();
    for line in table.lines() {
        let Some(row) = line.trim().strip_prefix('|') else {
            continue;
        };
        let cells: Vec<&str> = row.splitn(5, '|').collect();
        let [m, path, _, _, rest] = cells.as_slice() else {
            continue;
        };
        let (Some(m), path) = (Method::parse(m.trim().trim_matches('`')), path.trim()) else {
            continue;
        };
        let path = path.trim_matches('`');
        let note = rest.trim().strip_suffix('|').unwrap_or(rest).trim();
        notes.insert(format!("{} {path}", m.as_str()), note.to_owned());
    }
    notes
}

/// The text between the line `begin` and the line `end` of `text` (each a
/// whole line), or why there is none.
pub fn block<'t>(text: &'t str, begin: &str, end: &str) -> Result<&'t str, String> {
    let (start, stop) = block_range(text, begin, end)?;
    Ok(&text[start..stop])
}

/// `text` with the lines between `begin` and `end` replaced by `contents`
/// (which ends with a newline); everything else is kept byte for byte.
pub fn replace_block(text: &str, begin: &str, end: &str, contents: &str) -> Result<String, String> {
    let (start, stop) = block_range(text, begin, end)?;
    Ok(format!("{}{contents}{}", &text[..start], &text[stop..]))
}

fn block_range(text: &str, begin: &str, end: &str) -> Result<(usize, usize), String> {
    let line_at = |needle: &str, from: usize| {
        let mut offset = from;
        for line in text[from..].split_inclusive('\n') {
            if line.trim_end() == needle {
                return Some((offset, offset + line.len()));
            }
            offset += line.len();
        }
        None
    };
    let (_, start) = line_at(begin, 0).ok_or_else(|| format!("no line `{begin}`"))?;
    let (stop, _) =
        line_at(end, start).ok_or_else(|| format!("no line `{end}` after `{begin}`"))?;
    if line_at(begin, start).is_some_and(|(b, _)| b < stop) {
        return Err(format!("`{begin}` twice"));
    }
    Ok((start, stop))
}

/// `functions/<function>/Cargo.toml` of an HTTP function.
pub fn function_cargo_toml(function: &str) -> String {
    format!(
        "[package]\nname = \"{function}\"\nedition.workspace = true\nversion.workspace = true\n\
         license.workspace = true\npublish.workspace = true\n\n[dependencies]\n\
         roster.workspace = true\ntokio.workspace = true\nlambda_http.workspace = true\n"
    )
}

/// `functions/<function>/src/main.rs` of an HTTP function: it wires
/// `roster::http::routes::<module>::handle` to the runtime.
pub fn function_main_rs(function: &str) -> String {
    let module = function.replace('-', "_");
    format!(
        "//! `{function}`: wires [`roster::http::routes::{module}`] to the Lambda runtime.\n\n\
         #[tokio::main]\n\
         async fn main() -> Result<(), lambda_http::Error> {{\n    \
         roster::runtime::serve_http(roster::http::routes::{module}::handle).await\n}}\n"
    )
}

/// A sample value for a path parameter: (in `pathParameters`, in `rawPath`).
fn sample_param(name: &str) -> (String, String) {
    match name {
        "org" => ("acme".into(), "acme".into()),
        "user_id" => (
            "dev|bob@example.com".into(),
            "dev%7Cbob%40example.com".into(),
        ),
        other => {
            let value = format!("example-{}", other.replace('_', "-"));
            (value.clone(), value)
        }
    }
}

/// An API Gateway (HTTP API, payload 2.0) sample event of `route`, as
/// `make invoke` sends it: the caller is `dev|alice@example.com` (JWT) or a
/// channel server (IAM); a body-carrying method gets an empty JSON object.
pub fn sample_event(route: &Route) -> String {
    let json = |s: &str| serde_json::to_string(s).expect("a string serializes");
    let mut raw_path = String::new();
    let mut params = Vec::new();
    for segment in route.path.split('/').skip(1) {
        raw_path.push('/');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let name = name.trim_end_matches('+');
                let (value, encoded) = sample_param(name);
                raw_path.push_str(&encoded);
                params.push(format!("    {}: {}", json(name), json(&value)));
            }
            None => raw_path.push_str(segment),
        }
    }
    let has_body = matches!(route.method, Method::Post | Method::Put | Method::Patch);
    let body_headers = if has_body {
        "    \"content-length\": \"2\",\n    \"content-type\": \"application/json\",\n"
    } else {
        ""
    };
    let path_parameters = if params.is_empty() {
        String::new()
    } else {
        format!("  \"pathParameters\": {{\n{}\n  }},\n", params.join(",\n"))
    };
    let authorizer = match route.auth {
        Auth::Jwt => {
            "    \"authorizer\": {\n      \"jwt\": {\n        \"claims\": {\n          \
             \"iss\": \"https://idp.example.com/\",\n          \"aud\": \"roster\",\n          \
             \"sub\": \"dev|alice@example.com\",\n          \"email\": \"alice@example.com\",\n          \
             \"email_verified\": \"true\",\n          \"iat\": \"1795859700\",\n          \
             \"exp\": \"1795863300\"\n        },\n        \"scopes\": null\n      }\n    },\n"
        }
        Auth::Iam => {
            "    \"authorizer\": {\n      \"iam\": {\n        \"accessKey\": \"AKIAIOSFODNN7EXAMPLE\",\n        \
             \"accountId\": \"123456789012\",\n        \"callerId\": \"AROAEXAMPLEID:channel-server\",\n        \
             \"cognitoIdentity\": null,\n        \"principalOrgId\": null,\n        \
             \"userArn\": \"arn:aws:sts::123456789012:assumed-role/channel-server/channel-server\",\n        \
             \"userId\": \"AROAEXAMPLEID:channel-server\"\n      }\n    },\n"
        }
        Auth::Public => "",
    };
    let body = if has_body {
        "  \"body\": \"{}\",\n"
    } else {
        ""
    };
    let key = json(&route.key());
    let raw_path = json(&raw_path);
    let method = json(route.method.as_str());
    format!(
        "{{\n  \"version\": \"2.0\",\n  \"routeKey\": {key},\n  \"rawPath\": {raw_path},\n  \
         \"rawQueryString\": \"\",\n  \"headers\": {{\n    \"accept\": \"application/json\",\n\
         {body_headers}    \"host\": \"abcdef1234.execute-api.eu-west-1.amazonaws.com\",\n    \
         \"user-agent\": \"curl/8.5.0\",\n    \
         \"x-amzn-trace-id\": \"Root=1-6b0aa620-000000000000000000000000\",\n    \
         \"x-forwarded-for\": \"203.0.113.10\",\n    \"x-forwarded-port\": \"443\",\n    \
         \"x-forwarded-proto\": \"https\"\n  }},\n{path_parameters}  \"requestContext\": {{\n    \
         \"accountId\": \"123456789012\",\n    \"apiId\": \"abcdef1234\",\n{authorizer}    \
         \"domainName\": \"abcdef1234.execute-api.eu-west-1.amazonaws.com\",\n    \
         \"domainPrefix\": \"abcdef1234\",\n    \"http\": {{\n      \"method\": {method},\n      \
         \"path\": {raw_path},\n      \"protocol\": \"HTTP/1.1\",\n      \
         \"sourceIp\": \"203.0.113.10\",\n      \"userAgent\": \"curl/8.5.0\"\n    }},\n    \
         \"requestId\": \"cT00xZ1aFiAEJmQ=\",\n    \"routeKey\": {key},\n    \
         \"stage\": \"$default\",\n    \"time\": \"28/Nov/2026:10:00:00 +0000\",\n    \
         \"timeEpoch\": 1795860000000\n  }},\n{body}  \"isBase64Encoded\": false\n}}\n"
    )
}

/// The file name for a sample of `route` that no sample covers yet:
/// `<function>.json`, else `<function>-<method>.json`, else numbered.
pub fn sample_event_name(route: &Route, taken: impl Fn(&str) -> bool) -> String {
    let f = route.function;
    let method = route.method.as_str().to_ascii_lowercase();
    std::iter::once(format!("{f}.json"))
        .chain(std::iter::once(format!("{f}-{method}.json")))
        .chain((2..).map(|n| format!("{f}-{method}-{n}.json")))
        .find(|name| !taken(name))
        .expect("an unbounded sequence has a free name")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_replaced_and_everything_around_it_kept() {
        let text = "a\n# B\nold\nlines\n# E\nz\n";
        assert_eq!(block(text, "# B", "# E").unwrap(), "old\nlines\n");
        assert_eq!(
            replace_block(text, "# B", "# E", "new\n").unwrap(),
            "a\n# B\nnew\n# E\nz\n"
        );
        assert!(block("a\n# E\n# B\n", "# B", "# E").is_err());
        assert!(block("# B\n# B\n# E\n", "# B", "# E").is_err());
    }

    #[test]
    fn readme_notes_keep_escaped_bars_and_empty_notes() {
        let notes = readme_notes(
            "| method | path | function | auth | notes |\n|---|---|---|---|---|\n\
             | `GET` | `/a` | get-a | JWT | `?s=x\\|y` |\n| `POST` | `/b` | post-b | IAM |  |\n",
        );
        assert_eq!(notes["GET /a"], "`?s=x\\|y`");
        assert_eq!(notes["POST /b"], "");
        assert_eq!(notes.len(), 2);
    }

    #[test]
    fn every_generated_sample_event_is_json_with_its_routes_parameters() {
        for route in ROUTES {
            let event: serde_json::Value = serde_json::from_str(&sample_event(route))
                .unwrap_or_else(|e| panic!("{}: {e}", route.key()));
            assert_eq!(event["routeKey"], route.key());
            let raw = event["rawPath"].as_str().unwrap();
            let params = route
                .match_path(raw)
                .expect("rawPath is a path of the route");
            assert_eq!(params.len(), route.param_names().count());
        }
        let greedy = Route::public(Method::Get, "/console/{path+}", "console");
        let event: serde_json::Value = serde_json::from_str(&sample_event(&greedy)).unwrap();
        assert_eq!(event["pathParameters"]["path"], "example-path");
        assert!(event["requestContext"].get("authorizer").is_none());
    }
}
