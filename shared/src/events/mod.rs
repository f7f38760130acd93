//! Handlers for the functions that are not HTTP: the stream-fed mail
//! delivery and the scheduled sweep.

pub mod deliver_email;
pub mod sweep;
