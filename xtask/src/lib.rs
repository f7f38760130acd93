//! Developer tasks, kept out of the production crate: `cargo xtask routes`
//! writes the copies of the route table that are generated; the consistency
//! checks of the hand-written copies are this crate's tests.

pub mod declare;
pub mod generate;
pub mod routes;
pub mod table;

#[cfg(test)]
mod copies;
