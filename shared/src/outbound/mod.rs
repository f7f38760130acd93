//! What Roster sends to other systems besides mail: events to the
//! EventBridge bus ([`bus`]) and webhook deliveries over HTTPS
//! ([`webhook_client`], which refuses internal addresses).

pub mod bus;
pub mod webhook_client;
