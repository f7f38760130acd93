//! Developer tasks, kept out of the production crate. `cargo xtask routes`
//! (`make routes`) writes everything mechanical from the declaration of the
//! functions, `infra/functions.toml` ([`declare`]), and checks the hand-written
//! files that must agree with it; [`routes`] says which is which.

pub mod api_table;
pub mod blocks;
pub mod crates;
pub mod declare;
pub mod json;
pub mod openapi;
pub mod route;
pub mod route_docs;
pub mod router;
pub mod routes;
pub mod rust;
pub mod samples;
pub mod template;
