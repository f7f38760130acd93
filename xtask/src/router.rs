//! The `cargo lambda watch` router in `Cargo.toml` (`make dev` serves every
//! function on one port and routes requests like the HTTP API does).

use crate::blocks::Block;
use crate::declare::Route;
use std::fmt::Write as _;

pub const FILE: &str = "Cargo.toml";

pub const BLOCK: Block = Block {
    begin: "# Generated from infra/functions.toml by `make routes`: edit that file, not this block.",
    end: "# End of the generated router.",
    begin_was: &[
        "# Generated from shared/src/http/route_table/mod.rs by `make routes`: edit the table, not this block.",
    ],
};

/// The lines of the block: one key per path, in the order the paths first
/// appear among `routes`.
pub fn router(routes: &[&Route]) -> String {
    let mut paths: Vec<(&str, Vec<&Route>)> = Vec::new();
    for route in routes {
        match paths.iter_mut().find(|(p, _)| *p == route.path) {
            Some((_, same)) => same.push(route),
            None => paths.push((&route.path, vec![route])),
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

/// A path as the router spells it: API Gateway's greedy `{name+}` is the
/// router's catch-all `{*name}`.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declare::{Auth, Method};

    fn route(method: Method, path: &str, function: &str) -> Route {
        Route {
            method,
            path: path.into(),
            function: function.into(),
            auth: Auth::Authorizer,
            local_only: false,
        }
    }

    #[test]
    fn paths_are_grouped_in_first_appearance_order_and_greedy_ones_renamed() {
        let a = route(Method::Get, "/orgs/{org}", "get-org");
        let b = route(Method::Get, "/app/{proxy+}", "console");
        let c = route(Method::Patch, "/orgs/{org}", "update-org");
        assert_eq!(
            router(&[&a, &b, &c]),
            "[workspace.metadata.lambda.watch.router]\n\
             \"/orgs/{org}\" = [\n    { method = \"GET\", function = \"get-org\" },\n    \
             { method = \"PATCH\", function = \"update-org\" },\n]\n\
             \"/app/{*proxy}\" = [{ method = \"GET\", function = \"console\" }]\n"
        );
    }
}
