//! Roster's domain crate: everything but each function's `main`.
//!
//! Dependencies point one way: [`http`] → [`ops`] → [`domain`], and [`ops`] →
//! [`store`] / [`mail`]. [`events`] holds the non-HTTP handlers (stream, schedule).

pub mod app;
pub mod clock;
pub mod config;
pub mod console;
pub mod domain;
pub mod events;
pub mod http;
pub mod mail;
pub mod ops;
pub mod runtime;
pub mod store;

pub use app::App;
