//! Every HTTP route, generated from infra/functions.toml by `make routes`: edit
//! that file, not this one.

use super::Method::{Delete, Get, Patch, Post, Put};
use super::Route;

/// Every HTTP route, in the declaration's order. A function may serve several.
#[rustfmt::skip]
pub const ROUTES: &[Route] = &[
    Route::jwt(Post, "/orgs", "create-org"),
    Route::jwt(Get, "/orgs/{org}", "get-org"),
    Route::jwt(Patch, "/orgs/{org}", "update-org"),
    Route::jwt(Get, "/me/orgs", "list-my-orgs"),
    Route::jwt(Post, "/orgs/{org}/invitations", "invite-members"),
    Route::jwt(Get, "/orgs/{org}/invitations", "list-invitations"),
    Route::jwt(Post, "/orgs/{org}/invitations/{id}/resend", "resend-invitation"),
    Route::jwt(Delete, "/orgs/{org}/invitations/{id}", "revoke-invitation"),
    Route::jwt(Post, "/invitations/accept", "accept-invitation"),
    Route::jwt(Post, "/invitations/preview", "preview-invitation"),
    Route::jwt(Get, "/orgs/{org}/members", "list-members"),
    Route::jwt(Get, "/orgs/{org}/members/{user_id}", "get-member"),
    Route::jwt(Put, "/orgs/{org}/members/{user_id}/role", "change-role"),
    Route::jwt(Put, "/orgs/{org}/members/{user_id}/seat", "assign-seat"),
    Route::jwt(Delete, "/orgs/{org}/members/{user_id}/seat", "revoke-seat"),
    Route::jwt(Delete, "/orgs/{org}/members/{user_id}", "remove-member"),
    Route::jwt(Post, "/orgs/{org}/tokens", "issue-token"),
    Route::jwt(Post, "/orgs/{org}/members/{user_id}/tokens", "issue-token"),
    Route::jwt(Get, "/orgs/{org}/tokens", "list-tokens"),
    Route::jwt(Delete, "/orgs/{org}/tokens/{id}", "revoke-token"),
    Route::jwt(Post, "/orgs/{org}/api-keys", "create-api-key"),
    Route::jwt(Get, "/orgs/{org}/api-keys", "list-api-keys"),
    Route::jwt(Delete, "/orgs/{org}/api-keys/{id}", "revoke-api-key"),
    Route::jwt(Get, "/scim/v2/orgs/{org}/{resource+}", "scim"),
    Route::jwt(Post, "/scim/v2/orgs/{org}/{resource+}", "scim"),
    Route::jwt(Put, "/scim/v2/orgs/{org}/{resource+}", "scim"),
    Route::jwt(Patch, "/scim/v2/orgs/{org}/{resource+}", "scim"),
    Route::jwt(Delete, "/scim/v2/orgs/{org}/{resource+}", "scim"),
    Route::jwt(Post, "/orgs/{org}/join", "join-org"),
    Route::jwt(Post, "/me/join", "join-org"),
    Route::jwt(Get, "/orgs/{org}/directory", "get-directory"),
    Route::jwt(Put, "/orgs/{org}/directory/groups/{group}", "set-group-grants"),
    Route::iam(Post, "/tokens/introspect", "introspect-token"),
    Route::jwt(Get, "/orgs/{org}/audit", "list-audit-events"),
    Route::jwt(Get, "/orgs/{org}/suppressions", "list-suppressions"),
    Route::jwt(Delete, "/orgs/{org}/suppressions/{id}", "clear-suppression"),
    Route::jwt(Get, "/orgs/{org}/imports/{id}", "get-import"),
    Route::jwt(Get, "/orgs/{org}/imports", "list-imports"),
    Route::public(Get, "/app", "console"),
    Route::public(Get, "/app/{proxy+}", "console"),
];
