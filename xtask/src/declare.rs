//! The declaration of every function, `infra/functions.toml`, read into
//! [`Function`]s and checked for what the TOML cannot say (well-formed names
//! and routes, one trigger each, known IAM actions). Everything `make routes`
//! writes is rendered from these.

pub use crate::route::{Auth, Method, Route};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The declaration's path, named in messages and generated headers.
pub const FILE: &str = "infra/functions.toml";

/// The table's stream, filtered, as a function's trigger.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stream {
    /// The event's name in the template.
    pub event: String,
    /// The filter pattern (JSON), as the template writes it.
    pub filter: String,
    pub batch_size: u32,
    pub batching_window: Option<u32>,
    pub parallelization: Option<u32>,
    pub retries: u32,
    #[serde(default)]
    pub bisect_on_error: bool,
    /// The queue (a resource of infra/base.yaml) that keeps failed batches.
    pub on_failure: String,
}

/// An EventBridge schedule as a function's trigger.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub event: String,
    pub rate: String,
    pub description: String,
    pub retries: u32,
    pub max_event_age: u32,
    /// The dead-letter queue SAM creates for the schedule.
    pub dead_letters: String,
}

/// An SNS topic as a function's trigger.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sns {
    pub event: String,
    /// The topic (a resource of infra/base.yaml).
    pub topic: String,
    /// The queue (a resource of infra/base.yaml) keeping events that failed.
    pub dead_letters: String,
}

/// What starts a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    Http,
    /// API Gateway, before each request to a route with the default authorizer.
    Authorizer,
    Stream(Stream),
    Schedule(Schedule),
    Sns(Sns),
}

/// Reserved concurrency: a number, or the template's parameter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Reserved {
    Fixed(u32),
    /// `"parameter"`: `ReservedConcurrency<Name>`, none when 0.
    Parameter(String),
}

/// One function, as declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    /// Its routes, deployed and local-only, in declaration order.
    pub routes: Vec<Route>,
    pub trigger: Trigger,
    /// DynamoDB actions on the table (`PutItem`).
    pub table: Vec<String>,
    /// DynamoDB actions per index.
    pub indexes: BTreeMap<String, Vec<String>>,
    pub mail: bool,
    /// events:PutEvents on the template's EventBus.
    pub bus: bool,
    pub memory: Option<u32>,
    pub timeout: Option<u32>,
    pub reserved: Option<Reserved>,
    pub environment: BTreeMap<String, String>,
    pub hand_written_main: bool,
}

impl Function {
    /// The template's logical id: `create-org` is `CreateOrg`.
    pub fn resource(&self) -> String {
        pascal(&self.name)
    }

    /// The Rust module: `create-org` is `create_org`.
    pub fn module(&self) -> String {
        self.name.replace('-', "_")
    }

    pub fn deployed_routes(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter().filter(|r| !r.local_only)
    }

    /// Whether its main wires `roster::http::routes::<module>::handle`.
    pub fn has_routes_module(&self) -> bool {
        self.trigger == Trigger::Http && !self.hand_written_main
    }
}

/// `create-org` is `CreateOrg`.
pub fn pascal(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The DynamoDB actions a declaration may name.
const DYNAMODB_ACTIONS: &[&str] = &[
    "GetItem",
    "BatchGetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "ConditionCheckItem",
    "BatchWriteItem",
    "Query",
    "Scan",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    function: Vec<RawFunction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFunction {
    name: String,
    #[serde(default)]
    routes: Vec<String>,
    #[serde(default)]
    local_routes: Vec<String>,
    #[serde(default)]
    auth: Auth,
    #[serde(default)]
    table: Vec<String>,
    #[serde(default)]
    indexes: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    mail: bool,
    #[serde(default)]
    bus: bool,
    memory: Option<u32>,
    timeout: Option<u32>,
    reserved_concurrency: Option<Reserved>,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    #[serde(default)]
    hand_written_main: bool,
    #[serde(default)]
    authorizer: bool,
    stream: Option<Stream>,
    schedule: Option<Schedule>,
    sns: Option<Sns>,
}

/// Every function of `text` (the declaration), or every problem found.
pub fn parse(text: &str) -> Result<Vec<Function>, Vec<String>> {
    let raw: RawFile = toml::from_str(text).map_err(|e| vec![format!("{FILE}: {e}")])?;
    let mut problems = vec![];
    let mut functions = vec![];
    for f in raw.function {
        if let Some(function) = function(f, &mut problems) {
            functions.push(function);
        }
    }
    for (i, a) in functions.iter().enumerate() {
        for b in &functions[i + 1..] {
            if a.name == b.name {
                problems.push(format!("{FILE}: function {} is declared twice.", a.name));
            }
            for ra in &a.routes {
                if b.routes.iter().any(|rb| rb.key() == ra.key()) {
                    problems.push(format!(
                        "{FILE}: `{}` is a route of both {} and {}.",
                        ra.key(),
                        a.name,
                        b.name
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(functions)
    } else {
        Err(problems)
    }
}

fn function(raw: RawFunction, problems: &mut Vec<String>) -> Option<Function> {
    let name = raw.name;
    let at = |what: String| format!("{FILE}: {name}: {what}");
    let before = problems.len();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
        problems.push(at("the name should be kebab-case.".into()));
    }
    let mut routes = vec![];
    let both = raw.routes.iter().map(|r| (r, false));
    for (spec, local_only) in both.chain(raw.local_routes.iter().map(|r| (r, true))) {
        match route(spec, &name, raw.auth, local_only) {
            Ok(r) => routes.push(r),
            Err(e) => problems.push(at(e)),
        }
    }
    for (i, r) in routes.iter().enumerate() {
        if routes[i + 1..].iter().any(|o| o.key() == r.key()) {
            problems.push(at(format!("`{}` is listed twice.", r.key())));
        }
    }
    let triggers = [
        raw.stream.map(Trigger::Stream),
        raw.schedule.map(Trigger::Schedule),
        raw.sns.map(Trigger::Sns),
        raw.authorizer.then_some(Trigger::Authorizer),
    ];
    let mut triggers: Vec<Trigger> = triggers.into_iter().flatten().collect();
    if !raw.routes.is_empty() {
        triggers.push(Trigger::Http);
    }
    let trigger = match triggers.len() {
        1 => triggers.pop(),
        0 => {
            problems.push(at(
                "nothing starts it: give it routes, `authorizer = true`, or a \
                 [function.stream], [function.schedule] or [function.sns] table."
                    .into(),
            ));
            None
        }
        _ => {
            problems.push(at("it has more than one trigger; keep one.".into()));
            None
        }
    };
    if trigger != Some(Trigger::Http) && !raw.local_routes.is_empty() {
        problems.push(at("local_routes need deployed routes too.".into()));
    }
    let actions = raw.table.iter().chain(raw.indexes.values().flatten());
    for action in actions {
        if !DYNAMODB_ACTIONS.contains(&action.as_str()) {
            problems.push(at(format!(
                "unknown DynamoDB action {action:?} (one of {DYNAMODB_ACTIONS:?}, without `dynamodb:`)."
            )));
        }
    }
    if let Some(Reserved::Parameter(p)) = &raw.reserved_concurrency
        && p != "parameter"
    {
        problems.push(at(format!(
            "reserved_concurrency is a number or \"parameter\", not {p:?}."
        )));
    }
    if problems.len() > before {
        return None;
    }
    Some(Function {
        name,
        routes,
        trigger: trigger?,
        table: raw.table,
        indexes: raw.indexes,
        mail: raw.mail,
        bus: raw.bus,
        memory: raw.memory,
        timeout: raw.timeout,
        reserved: raw.reserved_concurrency,
        environment: raw.environment,
        hand_written_main: raw.hand_written_main,
    })
}

/// `"GET /orgs/{org}"` of `function`, checked.
fn route(spec: &str, function: &str, auth: Auth, local_only: bool) -> Result<Route, String> {
    let (m, path) = spec
        .split_once(' ')
        .ok_or_else(|| format!("route {spec:?} should be \"METHOD /path\"."))?;
    let method = Method::parse(m).ok_or_else(|| format!("route {spec:?}: unknown method."))?;
    if !path.starts_with('/') || (path.ends_with('/') && path != "/") || path.contains(' ') {
        return Err(format!(
            "route {spec:?}: the path starts with / and does not end with one."
        ));
    }
    let route = Route {
        method,
        path: path.to_owned(),
        function: function.to_owned(),
        auth,
        local_only,
    };
    for name in route.param_names() {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(format!(
                "route {spec:?}: parameter {{{name}}} should be snake_case."
            ));
        }
    }
    Ok(route)
}

/// Every route of every function, in declaration order.
pub fn routes(functions: &[Function]) -> Vec<&Route> {
    functions.iter().flat_map(|f| &f.routes).collect()
}

/// The declaration in the repository.
pub fn load(root: &std::path::Path) -> Result<Vec<Function>, Vec<String>> {
    let text = std::fs::read_to_string(root.join(FILE))
        .map_err(|e| vec![format!("reading {FILE}: {e}")])?;
    parse(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        parse(text).expect_err("the declaration is refused")
    }

    #[test]
    fn a_function_is_read_with_its_routes_grants_and_trigger() {
        let fs = parse(
            "[[function]]\nname = \"do-thing\"\nroutes = [\"POST /orgs/{org}/things\"]\n\
             auth = \"iam\"\ntable = [\"PutItem\"]\nindexes = { gsi1 = [\"Query\"] }\n\
             mail = true\nreserved_concurrency = 2\n\
             [[function]]\nname = \"tick\"\n[function.sns]\nevent = \"E\"\ntopic = \"T\"\n\
             dead_letters = \"Q\"\n",
        )
        .unwrap();
        assert_eq!(fs[0].resource(), "DoThing");
        assert_eq!(fs[0].routes[0].key(), "POST /orgs/{org}/things");
        assert_eq!(fs[0].routes[0].auth, Auth::Iam);
        assert_eq!(fs[0].indexes["gsi1"], ["Query"]);
        assert_eq!(fs[0].reserved, Some(Reserved::Fixed(2)));
        assert!(fs[0].has_routes_module());
        assert!(matches!(fs[1].trigger, Trigger::Sns(_)));
        assert!(!fs[1].has_routes_module());
    }

    #[test]
    fn malformed_declarations_are_refused_with_the_reason() {
        let p = problems("[[function]]\nname = \"Bad_Name\"\nroutes = [\"GET /x\"]\n");
        assert!(p[0].contains("kebab-case"), "{p:?}");
        let p = problems("[[function]]\nname = \"idle\"\n");
        assert!(p[0].contains("nothing starts it"), "{p:?}");
        let p = problems("[[function]]\nname = \"a\"\nroutes = [\"FETCH /x\"]\n");
        assert!(p[0].contains("unknown method"), "{p:?}");
        let p = problems("[[function]]\nname = \"a\"\nroutes = [\"GET /x/{Id}\"]\n");
        assert!(p[0].contains("snake_case"), "{p:?}");
        let p = problems("[[function]]\nname = \"a\"\nroutes = [\"GET /x\"]\ntable = [\"Put\"]\n");
        assert!(p[0].contains("unknown DynamoDB action \"Put\""), "{p:?}");
        let p = problems(
            "[[function]]\nname = \"a\"\nroutes = [\"GET /x\"]\n\
             [[function]]\nname = \"b\"\nroutes = [\"GET /x\"]\n",
        );
        assert!(
            p[0].contains("`GET /x` is a route of both a and b"),
            "{p:?}"
        );
        let p = problems("[[function]]\nname = \"a\"\nroutes = [\"GET /x\"]\nmemroy = 1\n");
        assert!(p[0].contains("unknown field `memroy`"), "{p:?}");
    }
}
