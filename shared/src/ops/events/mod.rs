//! Events for other systems: [`publish`] turns audit entries (read from the
//! table's stream) into events on the feed, the bus and webhook deliveries;
//! [`feed`] is `GET /orgs/{org}/events`.

pub mod feed;
pub mod publish;
