//! End-to-end tests: the real handlers, the real SDK clients, the local
//! emulator. Run with `make test`, which starts and stops the emulator.

mod abuse_limits;
mod accept;
mod api_keys;
mod audit;
mod auth;
mod authz_matrix;
mod call_counts;
mod csv_upload;
mod directory;
mod events;
mod faults;
mod forged_input;
mod iam;
mod idempotency;
mod imports;
mod invitations;
mod last_use;
mod mail_events;
mod mail_loops;
mod members;
mod non_utf8;
mod orgs;
mod preview;
mod reminders;
mod resend_revoke;
mod seats_roles;
mod self_target;
mod spans;
mod stored_emails;
mod sweep;
mod tokens;
mod webhooks;
