//! The Rust the production crate takes from the declaration: its route table
//! (`ROUTES`, which names each request's operation in the logs) and the module
//! list of `shared/src/http/routes` (one module per HTTP function).

use crate::blocks::Block;
use crate::declare::{Auth, FILE as DECLARATION, Function, routes};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The generated route table.
pub const ROUTES_FILE: &str = "shared/src/http/route_table/routes.rs";

/// The routes modules, and the generated block of their `mod.rs`.
pub const ROUTES_DIR: &str = "shared/src/http/routes";
pub const MODULES_FILE: &str = "shared/src/http/routes/mod.rs";
pub const MODULES: Block = Block {
    begin: "// Generated from infra/functions.toml by `make routes`: a module per HTTP function.",
    end: "// End of the generated modules.",
    begin_was: &[],
};

/// `shared/src/http/route_table/routes.rs`.
pub fn route_table(functions: &[Function]) -> String {
    let routes = routes(functions);
    // Sorted by name, as rustfmt sorts a `use` list.
    let methods: BTreeSet<&str> = routes.iter().map(|r| r.method.rust()).collect();
    let methods: Vec<&str> = methods.into_iter().collect();
    let mut out = format!(
        "//! Every HTTP route, generated from {DECLARATION} by `make routes`: edit\n\
         //! that file, not this one.\n\n\
         use super::Method::{{{}}};\nuse super::Route;\n\n\
         /// Every HTTP route, in the declaration's order. A function may serve several.\n\
         #[rustfmt::skip]\npub const ROUTES: &[Route] = &[\n",
        methods.join(", ")
    );
    for r in routes {
        let constructor = match r.auth {
            Auth::Authorizer => "jwt",
            Auth::Iam => "iam",
            Auth::Public => "public",
        };
        let local = if r.local_only { ".local_only()" } else { "" };
        let _ = writeln!(
            out,
            "    Route::{constructor}({}, {:?}, {:?}){local},",
            r.method.rust(),
            r.path,
            r.function
        );
    }
    out.push_str("];\n");
    out
}

/// The lines of the module list's block: `pub mod <module>;`, sorted.
pub fn modules(functions: &[Function]) -> String {
    let modules: BTreeSet<String> = functions
        .iter()
        .filter(|f| f.has_routes_module())
        .map(Function::module)
        .collect();
    modules.iter().map(|m| format!("pub mod {m};\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declare::parse;

    #[test]
    fn the_route_table_lists_every_route_with_its_auth_and_imports_only_its_methods() {
        let functions = parse(
            "[[function]]\nname = \"b-thing\"\nroutes = [\"GET /b\", \"POST /b/{id}\"]\n\
             [[function]]\nname = \"a-thing\"\nroutes = [\"GET /a\"]\nlocal_routes = [\"POST /dev\"]\n\
             auth = \"public\"\nhand_written_main = true\n",
        )
        .unwrap();
        let table = route_table(&functions);
        assert!(
            table.contains("use super::Method::{Get, Post};\n"),
            "{table}"
        );
        assert!(table.contains(
            "    Route::jwt(Get, \"/b\", \"b-thing\"),\n    Route::jwt(Post, \"/b/{id}\", \"b-thing\"),\n    \
             Route::public(Get, \"/a\", \"a-thing\"),\n    Route::public(Post, \"/dev\", \"a-thing\").local_only(),\n];\n"
        ), "{table}");
        assert_eq!(modules(&functions), "pub mod b_thing;\n");
    }
}
