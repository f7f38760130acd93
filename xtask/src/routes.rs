//! `make routes` (`cargo xtask routes`): writes everything mechanical from
//! `infra/functions.toml` (and `infra/base.yaml`), then checks what stays
//! hand-written against it. With `--check` it writes nothing and fails when a
//! generated file is stale or missing, or a hand-written one disagrees.
//!
//! Generated in full: `infra/template.yaml`, the route table
//! `shared/src/http/route_table/routes.rs`. Generated blocks: the router in
//! `Cargo.toml`, the API table of the docs, the module list of
//! `shared/src/http/routes/mod.rs`. Created when missing, never overwritten:
//! `functions/<name>/` and `events/<name>.json`. Checked: `infra/openapi.yaml`
//! (with a stub for a missing operation), `infra/base.yaml`, the routes
//! modules' docs, the crates and the sample events.

use crate::blocks::Block;
use crate::declare::{self, Function};
use crate::{api_table, crates, openapi, route_docs, router, rust, samples, template};
use std::path::{Path, PathBuf};

/// A file `make routes` writes whole (its blocks filled in, for a file with
/// generated blocks).
#[derive(Debug)]
pub struct Generated {
    pub path: String,
    pub now: String,
    pub want: String,
}

/// A file `make routes` writes when it is missing.
#[derive(Debug)]
pub struct Created {
    pub path: String,
    pub contents: String,
    pub why: String,
}

/// What `make routes` would do, and what it finds wrong.
#[derive(Debug, Default)]
pub struct Plan {
    pub generated: Vec<Generated>,
    pub created: Vec<Created>,
    pub problems: Vec<String>,
}

impl Plan {
    fn generate(
        &mut self,
        root: &Path,
        path: &str,
        render: impl FnOnce(&str) -> Result<String, String>,
    ) {
        let now = match std::fs::read_to_string(root.join(path)) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(err) => return self.problems.push(format!("reading {path}: {err}")),
        };
        match render(&now) {
            Ok(want) => self.generated.push(Generated {
                path: path.to_owned(),
                now,
                want,
            }),
            Err(err) => self.problems.push(err),
        }
    }

    fn block(&mut self, root: &Path, path: &str, block: Block, contents: String) {
        self.generate(root, path, |now| {
            block.replace(now, &contents).map_err(|err| {
                format!(
                    "{path}: {err}. The generated block sits between the lines `{}` and `{}`: \
                     put them back around it, then run `make routes`.",
                    block.begin, block.end
                )
            })
        });
    }

    /// The generated files that differ from what is there.
    pub fn stale(&self) -> impl Iterator<Item = &Generated> {
        self.generated.iter().filter(|g| g.now != g.want)
    }

    /// Everything `--check` fails on.
    pub fn check_problems(&self) -> Vec<String> {
        let stale = self.stale().map(|g| {
            format!(
                "{}: not what `make routes` writes from {} and {}: run `make routes`.",
                g.path,
                declare::FILE,
                template::BASE
            )
        });
        let missing = self
            .created
            .iter()
            .map(|c| format!("{} is missing ({}): run `make routes`.", c.path, c.why));
        stale
            .chain(missing)
            .chain(self.problems.iter().cloned())
            .collect()
    }
}

/// What `make routes` does in the repository at `root`.
pub fn plan(root: &Path) -> Plan {
    let mut plan = Plan::default();
    let functions = match declare::load(root) {
        Ok(functions) => functions,
        Err(problems) => {
            plan.problems = problems;
            return plan;
        }
    };
    let routes = declare::routes(&functions);
    plan.block(root, router::FILE, router::BLOCK, router::router(&routes));
    plan.generate(root, api_table::FILE, |now| {
        api_table::update(now, &routes).map_err(|err| format!("{}: {err}", api_table::FILE))
    });
    plan.generate(root, rust::ROUTES_FILE, |_| {
        Ok(rust::route_table(&functions))
    });
    plan.block(
        root,
        rust::MODULES_FILE,
        rust::MODULES,
        rust::modules(&functions),
    );
    let base = read(root, template::BASE);
    match &base {
        Ok(base) => {
            plan.generate(root, template::FILE, |_| {
                template::template(base, &functions)
            });
            plan.problems
                .extend(template::base::problems(base, &functions));
        }
        Err(err) => plan.problems.push(err.clone()),
    }
    match read(root, openapi::FILE) {
        Ok(text) => plan.problems.extend(openapi::problems(&text, &functions)),
        Err(err) => plan.problems.push(err),
    }
    plan_crates(root, &functions, &mut plan);
    plan_samples(root, &functions, &mut plan);
    let modules: Vec<(String, String)> = entries(root, rust::ROUTES_DIR)
        .into_iter()
        .filter(|(name, _)| name.ends_with(".rs") && name != "mod.rs")
        .map(|(name, path)| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            (name.trim_end_matches(".rs").to_owned(), text)
        })
        .collect();
    plan.problems
        .extend(route_docs::problems(&functions, &modules));
    plan
}

fn plan_crates(root: &Path, functions: &[Function], plan: &mut Plan) {
    let found: Vec<(String, Option<String>)> = entries(root, crates::DIR)
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
    plan.problems.extend(crates::problems(functions, &found));
    for f in functions {
        if found.iter().any(|(dir, _)| *dir == f.name) {
            continue;
        }
        let Some(main) = crates::main_rs(f) else {
            continue;
        };
        let dir = format!("{}/{}", crates::DIR, f.name);
        plan.created.push(Created {
            path: format!("{dir}/Cargo.toml"),
            contents: crates::cargo_toml(f),
            why: format!("the crate of {}", f.name),
        });
        plan.created.push(Created {
            path: format!("{dir}/src/main.rs"),
            contents: main,
            why: format!("the crate of {}", f.name),
        });
    }
}

fn plan_samples(root: &Path, functions: &[Function], plan: &mut Plan) {
    let files: Vec<(String, String)> = entries(root, samples::DIR)
        .into_iter()
        .filter(|(name, _)| name.ends_with(".json"))
        .map(|(name, path)| (name, std::fs::read_to_string(path).unwrap_or_default()))
        .collect();
    plan.problems.extend(samples::problems(functions, &files));
    for (name, contents, why) in samples::missing(functions, &files) {
        plan.created.push(Created {
            path: format!("{}/{name}", samples::DIR),
            contents,
            why: format!("a sample event of {why}"),
        });
    }
}

fn read(root: &Path, path: &str) -> Result<String, String> {
    std::fs::read_to_string(root.join(path)).map_err(|err| format!("reading {path}: {err}"))
}

/// The entries of a directory, sorted by name.
fn entries(root: &Path, dir: &str) -> Vec<(String, PathBuf)> {
    let mut entries: Vec<(String, PathBuf)> = std::fs::read_dir(root.join(dir))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    entries.sort();
    entries
}

/// Writes what the plan generates and creates; returns what it wrote.
pub fn apply(root: &Path, plan: &Plan) -> Result<Vec<String>, String> {
    let mut written = vec![];
    for g in plan.stale() {
        write(&root.join(&g.path), &g.want)?;
        written.push(format!("wrote {}", g.path));
    }
    for c in &plan.created {
        write(&root.join(&c.path), &c.contents)?;
        written.push(format!("created {} ({})", c.path, c.why));
    }
    Ok(written)
}

fn write(path: &Path, contents: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// The repository this crate is part of.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

#[cfg(test)]
mod tests;
