//! Sample events, `events/<name>.json`, that `make invoke` sends and the
//! span test reads: one per HTTP route (API Gateway's payload 2.0, as a
//! person the authorizer let through, an IAM or an anonymous caller) and one per event function (its trigger's shape).
//! `make routes` writes a missing one and never overwrites one; the checks
//! here keep hand-edited ones true to their route.

use crate::declare::{Auth, FILE as DECLARATION, Function, Method, Route, Trigger, routes};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

pub const DIR: &str = "events";

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
/// `make invoke` sends it: the caller is `alice@example.com` (a person) or a
/// channel server (IAM); a body-carrying method gets an empty JSON object.
pub fn http(route: &Route) -> String {
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
        Auth::Authorizer => {
            "    \"authorizer\": {\n      \"lambda\": {\n        \"principal\": \"person\",\n        \
             \"sub\": \"alice@example.com\",\n        \"email\": \"alice@example.com\",\n        \
             \"email_verified\": \"true\"\n      }\n    },\n"
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
pub fn name_for(route: &Route, taken: impl Fn(&str) -> bool) -> String {
    let f = &route.function;
    let method = route.method.as_str().to_ascii_lowercase();
    std::iter::once(format!("{f}.json"))
        .chain(std::iter::once(format!("{f}-{method}.json")))
        .chain((2..).map(|n| format!("{f}-{method}-{n}.json")))
        .find(|name| !taken(name))
        .expect("an unbounded sequence has a free name")
}

/// What API Gateway sends the authorizer (payload format 2.0), with an API
/// key that is not one (refused: a 401 naming the reason).
const AUTHORIZER_SAMPLE: &str = "{\n  \"version\": \"2.0\",\n  \"type\": \"REQUEST\",\n  \
    \"routeArn\": \"arn:aws:execute-api:eu-west-1:123456789012:abcdef123/$default/GET/orgs/acme\",\n  \
    \"identitySource\": [\"Bearer rk_not-a-real-key-not-a-real-key-123\"],\n  \
    \"routeKey\": \"GET /orgs/{org}\",\n  \"rawPath\": \"/orgs/acme\",\n  \"rawQueryString\": \"\",\n  \
    \"headers\": {\n    \"authorization\": \"Bearer rk_not-a-real-key-not-a-real-key-123\"\n  },\n  \
    \"requestContext\": {\n    \"accountId\": \"123456789012\",\n    \"apiId\": \"abcdef123\",\n    \
    \"domainName\": \"abcdef123.execute-api.eu-west-1.amazonaws.com\",\n    \"domainPrefix\": \"abcdef123\",\n    \
    \"http\": {\n      \"method\": \"GET\",\n      \"path\": \"/orgs/acme\",\n      \"protocol\": \"HTTP/1.1\",\n      \
    \"sourceIp\": \"203.0.113.7\",\n      \"userAgent\": \"curl/8.5.0\"\n    },\n    \
    \"requestId\": \"authorizer-sample\",\n    \"routeKey\": \"GET /orgs/{org}\",\n    \"stage\": \"$default\",\n    \
    \"time\": \"28/Nov/2026:10:00:00 +0000\",\n    \"timeEpoch\": 1795859700000\n  },\n  \
    \"pathParameters\": {\n    \"org\": \"acme\"\n  }\n}\n";

/// A sample event of an event function, by its trigger (None for HTTP).
pub fn event(f: &Function) -> Option<String> {
    match &f.trigger {
        Trigger::Http => None,
        Trigger::Authorizer => Some(AUTHORIZER_SAMPLE.to_owned()),
        Trigger::Stream(_) | Trigger::Sns(_) => Some("{\n  \"Records\": []\n}\n".to_owned()),
        Trigger::Schedule(_) => Some(
            "{\n  \"version\": \"0\",\n  \"id\": \"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa\",\n  \
             \"detail-type\": \"Scheduled Event\",\n  \"source\": \"aws.events\",\n  \
             \"account\": \"123456789012\",\n  \"time\": \"2026-11-28T10:00:00Z\",\n  \
             \"region\": \"eu-west-1\",\n  \"resources\": [],\n  \"detail\": {}\n}\n"
                .to_owned(),
        ),
    }
}

fn percent_decoded(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

/// `(file name, contents)` of every `events/*.json`.
pub type Files = [(String, String)];

fn route_keys(files: &Files) -> BTreeSet<String> {
    files
        .iter()
        .filter_map(|(_, text)| serde_json::from_str::<Json>(text).ok())
        .filter_map(|j| j["routeKey"].as_str().map(str::to_owned))
        .collect()
}

/// The samples `make routes` writes, `(file name, contents, why)`: one for
/// a route that no sample covers, one for an event function without
/// `<name>.json`.
pub fn missing(functions: &[Function], files: &Files) -> Vec<(String, String, String)> {
    let sampled = route_keys(files);
    let mut names: BTreeSet<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let mut out = vec![];
    for route in routes(functions) {
        if sampled.contains(&route.key()) {
            continue;
        }
        let name = name_for(route, |n| names.contains(n));
        out.push((
            name.clone(),
            http(route),
            format!(
                "`{}`; give it a realistic body if the route takes one",
                route.key()
            ),
        ));
        names.insert(name);
    }
    for f in functions {
        let name = format!("{}.json", f.name);
        if let Some(sample) = event(f).filter(|_| !names.contains(&name)) {
            out.push((name, sample, format!("{}; make it realistic", f.name)));
        }
    }
    out
}

/// What is wrong with the samples there are: one that does not match its
/// route or trigger, one of no function, an HTTP function without
/// `<name>.json` (what `make invoke FN=<name>` sends).
pub fn problems(functions: &[Function], files: &Files) -> Vec<String> {
    let mut problems = vec![];
    let names: BTreeSet<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let declared = routes(functions);
    for (name, text) in files {
        let file = format!("{DIR}/{name}");
        let stem = name.trim_end_matches(".json");
        let event: Json = match serde_json::from_str(text) {
            Ok(e) => e,
            Err(err) => {
                problems.push(format!("{file}: not JSON ({err})."));
                continue;
            }
        };
        if event.get("routeKey").is_some() && event["type"] != "REQUEST" {
            http_problems(&file, stem, &event, &declared, &mut problems);
            continue;
        }
        let owner = functions.iter().find(|f| {
            f.trigger != Trigger::Http
                && (stem == f.name || stem.starts_with(&format!("{}-", f.name)))
        });
        match owner.map(|f| (&f.name, &f.trigger)) {
            None => problems.push(format!(
                "{file}: no routeKey, so not an HTTP sample, and not named after an event \
                 function of {DECLARATION}: delete it if its function is gone."
            )),
            Some((f, Trigger::Stream(_) | Trigger::Sns(_))) if !event["Records"].is_array() => {
                problems.push(format!("{file}: a {f} sample needs a `Records` array."))
            }
            Some((f, Trigger::Authorizer)) if event["type"] != "REQUEST" => problems.push(format!(
                "{file}: a {f} sample needs `\"type\": \"REQUEST\"`."
            )),
            Some((f, Trigger::Schedule(_))) if event["detail-type"] != "Scheduled Event" => {
                problems.push(format!(
                    "{file}: a {f} sample needs `\"detail-type\": \"Scheduled Event\"`."
                ))
            }
            Some(_) => {}
        }
    }
    let sampled = route_keys(files);
    for f in functions.iter().filter(|f| f.trigger == Trigger::Http) {
        let all_sampled = f.routes.iter().all(|r| sampled.contains(&r.key()));
        if all_sampled && !names.contains(format!("{}.json", f.name).as_str()) {
            problems.push(format!(
                "{DIR}/{}.json is missing: `make invoke FN={}` sends it (rename one of its samples).",
                f.name, f.name
            ));
        }
    }
    problems
}

/// Problems of one HTTP sample event, named `file`.
fn http_problems(
    file: &str,
    stem: &str,
    event: &Json,
    declared: &[&Route],
    problems: &mut Vec<String>,
) {
    let route_key = event["routeKey"].as_str().unwrap_or_default();
    let Some(route) = declared.iter().find(|r| r.key() == route_key) else {
        problems.push(format!(
            "{file}: routeKey `{route_key}` is not a route of {DECLARATION}: fix the \
             routeKey, or delete the file if the route is gone."
        ));
        return;
    };
    let f = &route.function;
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
        Auth::Authorizer => authorizer["lambda"]["principal"].is_string(),
        Auth::Iam => authorizer["iam"].is_object(),
        Auth::Public => authorizer.is_null(),
    };
    if !auth_ok {
        problems.push(format!(
            "{file}: `{route_key}` has auth {}, so requestContext.authorizer should be {}.",
            route.auth.as_str(),
            match route.auth {
                Auth::Authorizer => "{\"lambda\": {\"principal\": ...}} (see events/get-org.json)",
                Auth::Iam => "{\"iam\": ...} (see events/introspect-token.json)",
                Auth::Public => "absent",
            }
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declare::parse;

    fn functions() -> Vec<Function> {
        parse(
            "[[function]]\nname = \"get-member\"\nroutes = [\"GET /orgs/{org}/members/{user_id}\"]\n\
             [[function]]\nname = \"introspect\"\nroutes = [\"POST /tokens/introspect\"]\nauth = \"iam\"\n\
             [[function]]\nname = \"pages\"\nroutes = [\"GET /app/{path+}\"]\nauth = \"public\"\n\
             [[function]]\nname = \"sweep\"\n[function.schedule]\nevent = \"E\"\nrate = \"rate(1 hour)\"\n\
             description = \"d\"\nretries = 1\nmax_event_age = 60\ndead_letters = \"Q\"\n",
        )
        .unwrap()
    }

    fn written(functions: &[Function]) -> Vec<(String, String)> {
        missing(functions, &[])
            .into_iter()
            .map(|(name, text, _)| (name, text))
            .collect()
    }

    #[test]
    fn every_generated_sample_is_json_true_to_its_route_or_trigger() {
        let functions = functions();
        let files = written(&functions);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "get-member.json",
                "introspect.json",
                "pages.json",
                "sweep.json"
            ]
        );
        assert_eq!(problems(&functions, &files), Vec::<String>::new());
        let event: Json = serde_json::from_str(&files[0].1).unwrap();
        assert_eq!(event["pathParameters"]["user_id"], "dev|bob@example.com");
        assert_eq!(
            event["rawPath"],
            "/orgs/acme/members/dev%7Cbob%40example.com"
        );
        let greedy: Json = serde_json::from_str(&files[2].1).unwrap();
        assert_eq!(greedy["pathParameters"]["path"], "example-path");
        assert!(greedy["requestContext"].get("authorizer").is_none());
        assert!(missing(&functions, &files).is_empty());
    }

    #[test]
    fn a_sample_off_its_route_or_of_no_function_fails() {
        let functions = functions();
        let mut files = written(&functions);
        files[0].1 = files[0].1.replace(
            "\"user_id\": \"dev|bob@example.com\"",
            "\"user_id\": \"carol\"",
        );
        files[1].1 = files[1].1.replace("\"iam\"", "\"jwt\"");
        files[3].1 = files[3].1.replace("Scheduled Event", "Other");
        files.push(("gone.json".into(), "{}".into()));
        let p = problems(&functions, &files);
        assert_eq!(p.len(), 4, "{p:#?}");
        assert!(p[0].starts_with("events/get-member.json: pathParameters are"));
        assert!(p[1].starts_with("events/introspect.json: `POST /tokens/introspect` has auth IAM"));
        assert!(p[2].starts_with("events/sweep.json: a sweep sample needs"));
        assert!(p[3].starts_with("events/gone.json: no routeKey"));
    }
}
