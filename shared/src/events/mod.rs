//! Handlers for the functions that are not HTTP: the stream-fed mail
//! delivery and import worker, the SES feedback from SNS, and the scheduled
//! sweep.

pub mod deliver_email;
pub mod import_worker;
pub mod mail_events;
pub mod sweep;
