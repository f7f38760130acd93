//! Handlers for the functions that are not HTTP: the stream-fed mail
//! delivery, import worker, event publisher and webhook delivery, the SES feedback from SNS, and the scheduled
//! sweep.

pub mod deliver_email;
pub mod deliver_webhooks;
pub mod import_worker;
pub mod mail_events;
pub mod publish_events;
pub mod sweep;
