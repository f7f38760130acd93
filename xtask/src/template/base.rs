//! What `infra/base.yaml` must hold for the declared functions: the queues and
//! topics their triggers name, the parameters and conditions of a reserved
//! concurrency or an environment value, and route settings only for declared
//! routes. Functions themselves belong to the declaration, never to the base.

use super::BASE;
use super::functions::reserved_names;
use crate::declare::{FILE as DECLARATION, Function, Reserved, Trigger, routes};
use serde_norway::Value as Yaml;

/// Every problem of `base` (the file's text) for `functions`.
pub fn problems(base: &str, functions: &[Function]) -> Vec<String> {
    let doc: Yaml = match serde_norway::from_str(base) {
        Ok(doc) => doc,
        Err(err) => return vec![format!("{BASE}: not YAML ({err}).")],
    };
    let mut problems = vec![];
    let has = |section: &str, name: &str| doc[section].get(name).is_some();
    for (id, resource) in doc["Resources"].as_mapping().into_iter().flatten() {
        if resource["Type"].as_str() == Some("AWS::Serverless::Function") {
            problems.push(format!(
                "{BASE}: function {} belongs in {DECLARATION} (make routes writes its resource).",
                id.as_str().unwrap_or_default()
            ));
        }
    }
    for f in functions {
        let mut needs = |kind: &str, name: &str| {
            if !has("Resources", name) {
                problems.push(format!(
                    "{BASE}: no resource {name}, the {kind} of {} in {DECLARATION}.",
                    f.name
                ));
            }
        };
        match &f.trigger {
            Trigger::Stream(s) => needs("on_failure queue", &s.on_failure),
            Trigger::Sns(s) => {
                needs("topic", &s.topic);
                needs("dead_letters queue", &s.dead_letters);
            }
            Trigger::Http | Trigger::Authorizer | Trigger::Schedule(_) => {}
        }
        if let Some(Reserved::Parameter(_)) = f.reserved {
            let (parameter, condition) = reserved_names(f);
            if !has("Parameters", &parameter) {
                problems.push(format!(
                    "{BASE}: {} reserves concurrency by parameter: add Parameters.{parameter} \
                     (Type: Number, MinValue: 0, a Default and a Description).",
                    f.name
                ));
            }
            if !has("Conditions", &condition) {
                problems.push(format!(
                    "{BASE}: {} reserves concurrency by parameter: add Conditions.{condition}: \
                     !Not [!Equals [!Ref {parameter}, 0]]",
                    f.name
                ));
            }
        }
        for (name, value) in &f.environment {
            let Some(target) = value.strip_prefix("!Ref ") else {
                continue;
            };
            if !has("Parameters", target) && !has("Resources", target) {
                problems.push(format!(
                    "{BASE}: {}'s {name} is `!Ref {target}`, which is no parameter or resource.",
                    f.name
                ));
            }
        }
    }
    let declared: Vec<String> = routes(functions)
        .iter()
        .filter(|r| !r.local_only)
        .map(|r| r.key())
        .collect();
    let settings = &doc["Resources"]["HttpApi"]["Properties"]["RouteSettings"];
    for key in settings.as_mapping().into_iter().flatten().map(|(k, _)| k) {
        let key = key.as_str().unwrap_or_default();
        if !declared.iter().any(|d| d == key) {
            problems.push(format!(
                "{BASE}: HttpApi RouteSettings has `{key}`, which is no route of {DECLARATION}."
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
    fn missing_queues_parameters_and_stale_route_settings_are_named() {
        let fs = parse(
            "[[function]]\nname = \"invite\"\nroutes = [\"POST /i\"]\nreserved_concurrency = \"parameter\"\n\
             environment = { X = \"!Ref Gone\" }\n\
             [[function]]\nname = \"work\"\n[function.stream]\nevent = \"E\"\nfilter = \"{}\"\n\
             batch_size = 1\nretries = 1\non_failure = \"WorkFailures\"\n",
        )
        .unwrap();
        let base = "Parameters: {}\nConditions: {}\nResources:\n  HttpApi:\n    Properties:\n      \
                    RouteSettings:\n        POST /i: {}\n        GET /old: {}\n  \
                    Stray:\n    Type: AWS::Serverless::Function\n";
        let p = problems(base, &fs);
        let joined = p.join("\n");
        assert!(
            joined.contains("function Stray belongs in infra/functions.toml"),
            "{joined}"
        );
        assert!(
            joined.contains("add Parameters.ReservedConcurrencyInvite"),
            "{joined}"
        );
        assert!(joined.contains("add Conditions.ReserveInvite"), "{joined}");
        assert!(joined.contains("`!Ref Gone`"), "{joined}");
        assert!(joined.contains("no resource WorkFailures"), "{joined}");
        assert!(joined.contains("`GET /old`, which is no route"), "{joined}");
        assert_eq!(p.len(), 6, "{joined}");
    }
}
