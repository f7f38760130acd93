//! What the route table does not say but its copies need: the functions that
//! no HTTP route reaches, and their triggers.

use roster::http::route_table::ROUTES;

/// What starts a function that no HTTP route reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The table's stream (template event type `DynamoDB`).
    Stream,
    /// An EventBridge schedule (template event type `Schedule`).
    Schedule,
    /// An SNS topic (template event type `SNS`).
    Sns,
}

impl Trigger {
    /// The SAM event type of the trigger.
    pub fn sam_event_type(self) -> &'static str {
        match self {
            Self::Stream => "DynamoDB",
            Self::Schedule => "Schedule",
            Self::Sns => "SNS",
        }
    }
}

/// The functions that are not HTTP operations, so that every function crate
/// and template function is accounted for.
pub const EVENT_FUNCTIONS: &[(&str, Trigger)] = &[
    ("deliver-email", Trigger::Stream),
    ("import-worker", Trigger::Stream),
    ("sweep", Trigger::Schedule),
    ("mail-events", Trigger::Sns),
];

/// Every function name with an HTTP route, once each, in table order.
pub fn http_functions() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for route in ROUTES {
        if !names.contains(&route.function) {
            names.push(route.function);
        }
    }
    names
}
