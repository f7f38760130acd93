//! Roster's domain crate: everything but each function's `main` and the web
//! console (the `roster-console` crate, which uses this one).
//!
//! Dependencies point one way: [`http`] → [`ops`] → [`store`] / [`mail`] →
//! [`domain`]. [`events`] holds the non-HTTP handlers (stream, schedule) and
//! uses [`ops`] and [`store`]. Nothing below [`http`] knows about HTTP, and
//! only [`store`] talks to DynamoDB. [`authorizer`] is the HTTP API's Lambda
//! authorizer; [`http::identity`] reads what it decided.

pub mod app;
pub mod authorizer;
pub mod clock;
pub mod config;
pub mod domain;
pub mod error_chain;
pub mod events;
pub mod http;
pub mod mail;
pub mod ops;
pub mod outbound;
pub mod runtime;
pub mod store;

pub use app::App;
