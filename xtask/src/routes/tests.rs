use super::*;

fn report(problems: &[String]) -> String {
    let mut out = format!(
        "{} and what is generated from it disagree ({} problem{}):\n",
        declare::FILE,
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        out.push_str(&format!("  - {p}\n"));
    }
    out
}

/// What `make routes -- --check` checks, as a test of the workspace.
#[test]
fn the_repository_is_what_make_routes_writes_and_agrees_with_the_declaration() {
    let problems = plan(&repo()).check_problems();
    assert!(problems.is_empty(), "{}", report(&problems));
}

/// A scratch repository holding what `make routes` reads.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let scratch = Self(dir);
        let base = format!(
            "# the base\nParameters: {{}}\nConditions: {{}}\nResources:\n  Table:\n    Type: AWS::DynamoDB::Table\n\n\
             {}\n\nOutputs: {{}}\n",
            template::MARKER
        );
        scratch.put(template::BASE, &base);
        scratch.put(
            router::FILE,
            &format!(
                "[workspace]\n{}\n{}\n",
                router::BLOCK.begin,
                router::BLOCK.end
            ),
        );
        scratch.put(
            api_table::FILE,
            &format!(
                "# API\n{}\n{}\n",
                api_table::BLOCK.begin,
                api_table::BLOCK.end
            ),
        );
        scratch.put(
            rust::MODULES_FILE,
            &format!(
                "//! Routes.\n\n{}\n{}\n",
                rust::MODULES.begin,
                rust::MODULES.end
            ),
        );
        scratch.put(
            openapi::FILE,
            "paths:\n  /orgs/{org}:\n    get:\n      operationId: getOrg\n",
        );
        scratch.put(
            "shared/src/http/routes/get_org.rs",
            "//! `GET /orgs/{org}`.\n",
        );
        scratch.declare("");
        scratch
    }

    fn put(&self, path: &str, text: &str) {
        write(&self.0.join(path), text).unwrap();
    }

    fn get(&self, path: &str) -> String {
        std::fs::read_to_string(self.0.join(path)).unwrap()
    }

    fn declare(&self, more: &str) {
        self.put(
            declare::FILE,
            &format!("[[function]]\nname = \"get-org\"\nroutes = [\"GET /orgs/{{org}}\"]\ntable = [\"BatchGetItem\"]\n{more}"),
        );
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn make_routes_writes_a_new_operations_copies_and_names_what_is_left_to_write() {
    let repo = Scratch::new("new-operation");
    apply(&repo.0, &plan(&repo.0)).unwrap();
    assert_eq!(plan(&repo.0).check_problems(), Vec::<String>::new());
    assert!(
        repo.get("functions/get-org/src/main.rs")
            .contains("routes::get_org::handle")
    );

    repo.declare(
        "[[function]]\nname = \"ping\"\nroutes = [\"GET /orgs/{org}/ping\"]\ntable = [\"BatchGetItem\"]\n",
    );
    let before = plan(&repo.0);
    let stale: Vec<&str> = before.stale().map(|g| g.path.as_str()).collect();
    assert_eq!(
        stale,
        [
            "Cargo.toml",
            "docs/guide/api.md",
            "shared/src/http/route_table/routes.rs",
            "shared/src/http/routes/mod.rs",
            "infra/template.yaml",
        ]
    );
    let created: Vec<&str> = before.created.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        created,
        [
            "functions/ping/Cargo.toml",
            "functions/ping/src/main.rs",
            "events/ping.json"
        ]
    );
    apply(&repo.0, &before).unwrap();
    assert!(
        repo.get("shared/src/http/routes/mod.rs")
            .contains("pub mod get_org;\npub mod ping;\n")
    );
    assert!(
        repo.get("infra/template.yaml")
            .contains("  Ping:\n    Type: AWS::Serverless::Function\n")
    );
    assert!(
        repo.get("docs/guide/api.md")
            .contains("| `GET` | `/orgs/{org}/ping` | ping | token or key |  |")
    );
    // Left by hand: the contract and the routes module.
    let left = plan(&repo.0).check_problems();
    assert_eq!(left.len(), 2, "{}", report(&left));
    assert!(left[0].starts_with("infra/openapi.yaml: no operation for GET /orgs/{org}/ping."));
    assert!(left[0].contains("  /orgs/{org}/ping:\n    parameters:\n"));
    assert!(left[1].starts_with("shared/src/http/routes/ping.rs is missing"));
    // A generated file edited by hand is stale until `make routes`.
    repo.put(
        "infra/template.yaml",
        &repo
            .get("infra/template.yaml")
            .replace("Timeout", "Timeout "),
    );
    repo.put("Cargo.toml", "[workspace]\n");
    let problems = plan(&repo.0).check_problems();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("Cargo.toml: no line") && p.contains("put them back"))
    );
}

#[test]
fn a_declaration_that_does_not_parse_stops_everything_with_its_reasons() {
    let repo = Scratch::new("bad-declaration");
    repo.put(declare::FILE, "[[function]]\nname = \"x\"\n");
    let plan = plan(&repo.0);
    assert!(plan.generated.is_empty() && plan.created.is_empty());
    assert!(
        plan.problems[0].contains("nothing starts it"),
        "{:?}",
        plan.problems
    );
}
