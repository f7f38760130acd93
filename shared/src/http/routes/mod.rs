//! One module per HTTP function: parse the request into typed input, call the
//! operation, shape the answer. Each `handle` is what a function's `main`
//! runs: most are [`handle_with!`] their `run`, for an authenticated caller.

// Generated from infra/functions.toml by `make routes`: a module per HTTP function.
pub mod accept_invitation;
pub mod assign_seat;
pub mod change_role;
pub mod clear_suppression;
pub mod create_api_key;
pub mod create_org;
pub mod get_directory;
pub mod get_import;
pub mod get_member;
pub mod get_org;
pub mod introspect_token;
pub mod invite_members;
pub mod issue_token;
pub mod join_org;
pub mod list_api_keys;
pub mod list_audit_events;
pub mod list_events;
pub mod list_imports;
pub mod list_invitations;
pub mod list_members;
pub mod list_my_orgs;
pub mod list_suppressions;
pub mod list_tokens;
pub mod preview_invitation;
pub mod remove_member;
pub mod resend_invitation;
pub mod revoke_api_key;
pub mod revoke_invitation;
pub mod revoke_seat;
pub mod revoke_token;
pub mod scim;
pub mod set_group_grants;
pub mod update_org;
pub mod webhooks;
// End of the generated modules.

use super::ApiError;
use crate::App;
use crate::domain::InviteLink;
use crate::ops::{Caller, OpError};
use lambda_http::{Body, Request, Response};

pub(crate) fn respond(result: Result<Response<Body>, ApiError>) -> Response<Body> {
    result.unwrap_or_else(ApiError::into_response)
}

/// Answers `req` with what `run` makes of it for its authenticated caller;
/// a request without a valid identity is answered before `run`.
pub(crate) async fn answer(
    app: &App,
    req: &Request,
    run: impl AsyncFnOnce(&App, &Request, Caller) -> Result<Response<Body>, ApiError>,
) -> Response<Body> {
    match super::identity::caller(req, app.config.emails_verified_by_issuer) {
        Ok(caller) => respond(run(app, req, caller).await),
        Err(err) => err.into_response(),
    }
}

/// A route module's `handle`, what its function's `main` serves (and the
/// tests call): [`answer`] with the module's `run`.
macro_rules! handle_with {
    ($run:ident) => {
        pub async fn handle(
            app: std::sync::Arc<crate::App>,
            req: lambda_http::Request,
        ) -> lambda_http::Response<lambda_http::Body> {
            super::answer(&app, &req, $run).await
        }
    };
}
pub(crate) use handle_with;

/// The invitation link in a `{"token": ...}` body (preview and accept).
pub(crate) fn invite_link(req: &Request) -> Result<InviteLink, ApiError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Input {
        token: String,
    }
    let input: Input = super::request::json(req)?;
    // A token of the wrong shape cannot name an invitation.
    InviteLink::parse(&input.token).map_err(|_| OpError::InvitationNotFound.into())
}
