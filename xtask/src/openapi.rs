//! `infra/openapi.yaml` against the declaration: every deployed route is an
//! operation with the security its auth implies, and every operation is a
//! deployed route. The contract itself (schemas, errors, examples) is written
//! by hand; for a missing route the message carries a stub to paste. A greedy
//! parameter, API Gateway's `{proxy+}`, is `{proxy}` in OpenAPI, which has no
//! greedy form (the parameter's description says it takes slashes).

use crate::declare::{Auth, FILE as DECLARATION, Function, Method, Route, routes};
use serde_norway::Value as Yaml;
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub const FILE: &str = "infra/openapi.yaml";

/// Keys of a path item that are not operations.
const NOT_OPERATIONS: &[&str] = &["parameters", "summary", "description", "servers", "$ref"];

/// Every problem of `openapi` (the document's text) for `functions`.
pub fn problems(openapi: &str, functions: &[Function]) -> Vec<String> {
    let doc: Yaml = match serde_norway::from_str(openapi) {
        Ok(doc) => doc,
        Err(err) => return vec![format!("{FILE}: not YAML ({err}).")],
    };
    let mut problems = vec![];
    let mut documented: BTreeMap<(Method, String), Auth> = BTreeMap::new();
    for (path, item) in doc["paths"].as_mapping().into_iter().flatten() {
        let written = path.as_str().unwrap_or_default();
        let path = openapi_path(written);
        if path != written {
            problems.push(format!(
                "{FILE}: {written}: OpenAPI cannot match a parameter named with `+`: write \
                 `{path}` and say in the parameter's description that it is greedy (API \
                 Gateway's `+` stays in {DECLARATION})."
            ));
        }
        for (key, op) in item.as_mapping().into_iter().flatten() {
            let key = key.as_str().unwrap_or_default();
            if NOT_OPERATIONS.contains(&key) {
                continue;
            }
            let Some(method) = Method::parse(key) else {
                problems.push(format!("{FILE}: {path}: unknown method {key:?}."));
                continue;
            };
            let auth = match op.get("security").and_then(Yaml::as_sequence) {
                None => Auth::Authorizer, // the document's default: bearerAuth
                Some(s) if s.is_empty() => Auth::Public,
                Some(s) if s.iter().any(|r| r.get("awsSigV4").is_some()) => Auth::Iam,
                Some(_) => Auth::Authorizer,
            };
            documented.insert((method, path.clone()), auth);
        }
    }
    let deployed: Vec<&Route> = routes(functions)
        .into_iter()
        .filter(|r| !r.local_only)
        .collect();
    let mut missing: Vec<&Route> = vec![];
    for route in &deployed {
        match documented.remove(&(route.method, openapi_path(&route.path))) {
            None => missing.push(route),
            Some(auth) if auth != route.auth => problems.push(format!(
                "{FILE}: `{}` has the security of auth {}; {DECLARATION} says {} ({}).",
                route.key(),
                auth.as_str(),
                route.auth.as_str(),
                security_hint(route.auth)
            )),
            Some(_) => {}
        }
    }
    for ((method, path), _) in documented {
        problems.push(format!(
            "{FILE}: `{} {path}` is no deployed route of {DECLARATION}: remove it, or declare it.",
            method.as_str()
        ));
    }
    if !missing.is_empty() {
        let has_path = |path: &str| doc["paths"].get(path).is_some();
        let keys: Vec<String> = missing.iter().map(|r| r.key()).collect();
        problems.push(format!(
            "{FILE}: no operation for {}. Paste under `paths:` and complete it (the schema of \
             the answer, the errors):\n{}",
            keys.join(", "),
            stub(&missing, has_path)
        ));
    }
    problems
}

/// A route's path as OpenAPI writes it: `/app/{proxy+}` is `/app/{proxy}`.
fn openapi_path(path: &str) -> String {
    path.replace("+}", "}")
}

fn security_hint(auth: Auth) -> &'static str {
    match auth {
        Auth::Authorizer => "no `security:`, the document's default bearerAuth",
        Auth::Iam => "`security: [{awsSigV4: []}]`",
        Auth::Public => "`security: []`",
    }
}

/// `lower camel case` of a function name: `get-org` is `getOrg`.
fn operation_id(function: &str) -> String {
    let pascal = crate::declare::pascal(function);
    let mut chars = pascal.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// A path parameter: a shared one where the document has it, else inline.
fn parameter(name: &str) -> String {
    match name {
        "org" => "      - $ref: '#/components/parameters/Org'\n".to_owned(),
        "user_id" => "      - $ref: '#/components/parameters/UserId'\n".to_owned(),
        other => format!(
            "      - name: {other}\n        in: path\n        required: true\n        schema:\n          type: string\n"
        ),
    }
}

/// The YAML to paste for `routes` (grouped by path; a path the document
/// already has gets its operations only).
pub fn stub(routes: &[&Route], has_path: impl Fn(&str) -> bool) -> String {
    let mut by_path: Vec<(String, Vec<&Route>)> = vec![];
    for r in routes {
        let path = openapi_path(&r.path);
        match by_path.iter_mut().find(|(p, _)| *p == path) {
            Some((_, rs)) => rs.push(r),
            None => by_path.push((path, vec![r])),
        }
    }
    let mut out = String::new();
    for (path, routes) in by_path {
        let exists = has_path(&path);
        let _ = writeln!(
            out,
            "  {path}:{}",
            if exists {
                "  # (add to the path there)"
            } else {
                ""
            }
        );
        let params = routes[0].param_names();
        if !exists && !params.is_empty() {
            out.push_str("    parameters:\n");
            for p in params {
                out.push_str(&parameter(p));
            }
        }
        for r in routes {
            operation(r, &mut out);
        }
    }
    out
}

fn operation(r: &Route, out: &mut String) {
    let _ = write!(
        out,
        "    {}:\n      tags: [TODO]\n      operationId: {}\n      summary: TODO\n",
        r.method.as_str().to_ascii_lowercase(),
        operation_id(&r.function)
    );
    match r.auth {
        Auth::Authorizer => {}
        Auth::Iam => out.push_str("      security:\n        - awsSigV4: []\n"),
        Auth::Public => out.push_str("      security: []\n"),
    }
    if matches!(r.method, Method::Post | Method::Put | Method::Patch) {
        out.push_str(
            "      requestBody:\n        required: true\n        content:\n          application/json:\n            \
             schema:\n              $ref: '#/components/schemas/TODO'\n",
        );
    }
    out.push_str(
        "      responses:\n        '200':\n          description: TODO\n          content:\n            \
         application/json:\n              schema:\n                $ref: '#/components/schemas/TODO'\n",
    );
    if r.auth == Auth::Authorizer {
        out.push_str("        '401':\n          $ref: '#/components/responses/Unauthenticated'\n");
    }
    if r.param_names().contains(&"org") {
        out.push_str("        '403':\n          $ref: '#/components/responses/Forbidden'\n");
        out.push_str("        '404':\n          $ref: '#/components/responses/OrgNotFound'\n");
    }
    out.push_str(
        "        '500':\n          $ref: '#/components/responses/Internal'\n        \
         '503':\n          $ref: '#/components/responses/Unavailable'\n",
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declare::parse;

    const DOC: &str = "openapi: 3.1.0\nsecurity:\n  - bearerAuth: []\npaths:\n  /orgs/{org}:\n    get:\n      operationId: getOrg\n  \
                       /tokens/introspect:\n    post:\n      security: []\n  /gone:\n    delete: {}\n";

    #[test]
    fn a_missing_operation_comes_with_a_stub_and_stale_or_wrong_ones_are_named() {
        let fs = parse(
            "[[function]]\nname = \"get-org\"\nroutes = [\"GET /orgs/{org}\"]\n\
             [[function]]\nname = \"introspect-token\"\nroutes = [\"POST /tokens/introspect\"]\nauth = \"iam\"\n\
             [[function]]\nname = \"ping\"\nroutes = [\"GET /orgs/{org}/ping\", \"PATCH /orgs/{org}\"]\n",
        )
        .unwrap();
        let p = problems(DOC, &fs);
        assert_eq!(p.len(), 3, "{p:#?}");
        assert!(p[0].contains("`POST /tokens/introspect` has the security of auth none"));
        assert!(p[1].contains("`DELETE /gone` is no deployed route"));
        assert!(p[2].contains("no operation for GET /orgs/{org}/ping, PATCH /orgs/{org}."));
        let stub = p[2].split_once(":\n").unwrap().1;
        assert!(
            stub.contains("  /orgs/{org}:  # (add to the path there)\n    patch:\n"),
            "{stub}"
        );
        let yaml = stub.replace("  # (add to the path there)", "");
        let doc: Yaml = serde_norway::from_str(&format!("paths:\n{yaml}")).unwrap();
        let ping = &doc["paths"]["/orgs/{org}/ping"];
        assert_eq!(ping["parameters"][0]["$ref"], "#/components/parameters/Org");
        assert_eq!(ping["get"]["operationId"], "ping");
        assert!(ping["get"].get("requestBody").is_none());
        assert!(doc["paths"]["/orgs/{org}"]["patch"]["requestBody"].is_mapping());
    }

    #[test]
    fn a_greedy_parameter_is_written_without_its_plus() {
        let fs = parse(
            "[[function]]\nname = \"console\"\nroutes = [\"GET /app/{proxy+}\"]\nauth = \"public\"\n",
        )
        .unwrap();
        let doc = |path: &str| {
            format!("openapi: 3.1.0\npaths:\n  {path}:\n    get:\n      security: []\n")
        };
        assert_eq!(problems(&doc("/app/{proxy}"), &fs), Vec::<String>::new());
        let p = problems(&doc("/app/{proxy+}"), &fs);
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(
            p[0].contains("/app/{proxy+}: OpenAPI cannot match"),
            "{p:#?}"
        );
        assert!(p[0].contains("write `/app/{proxy}`"), "{p:#?}");
        let p = problems("openapi: 3.1.0\npaths: {}\n", &fs);
        let stub = p[0].split_once(":\n").unwrap().1;
        assert!(
            stub.starts_with("  /app/{proxy}:\n    parameters:\n      - name: proxy\n"),
            "{stub}"
        );
    }
}
