//! End-to-end tests: the real handlers, the real SDK clients, the local
//! emulator. Run with `make test`, which starts and stops the emulator.

mod accept;
mod auth;
mod call_counts;
mod invitations;
mod members;
mod orgs;
