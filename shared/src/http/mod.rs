//! The HTTP layer: the route table, each request's span, who is calling,
//! parsing requests into typed input, the one place success bodies are shaped
//! ([`views`]) and the one place errors become `application/problem+json`
//! ([`error`]).

pub mod csv_upload;
pub mod error;
pub mod idempotency;
pub mod identity;
pub mod request;
pub mod response;
pub mod route_table;
pub mod routes;
pub mod scim;
pub mod span;
pub mod views;

pub use error::ApiError;
