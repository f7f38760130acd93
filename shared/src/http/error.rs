//! Every error answer is built here: RFC 9457 problem+json with a `code`.
//! 5xx answers carry a fixed message; the cause chain goes to the log only.

use crate::domain::time::rfc3339;
use crate::error_chain::ErrorChain;
use crate::ops::OpError;
use http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("unauthenticated")]
    Unauthenticated,
    /// The authorizer refused the credential, for this reason.
    #[error("credential refused: {0}")]
    CredentialRefused(String),
    /// The identity token authenticates but lacks this claim.
    #[error("the identity token has no {0} claim")]
    ClaimMissing(&'static str),
    /// The identity token's claim is present but unusable.
    #[error("the identity token's {0} claim is not usable")]
    ClaimInvalid(&'static str),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("idempotency key reused with another request")]
    IdempotencyKeyReused,
    #[error("a request with this idempotency key is in progress")]
    IdempotencyInProgress,
    #[error("the first answer to this idempotency key was too large to keep")]
    IdempotencyAnswerTooLarge,
    /// The first answer showed a secret, which is never kept: the replay
    /// names what was created instead.
    #[error("the first answer to this idempotency key carried a secret")]
    IdempotencySecretNotKept { token_id: String },
    #[error(transparent)]
    Op(#[from] OpError),
}

#[derive(Debug, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl ApiError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Op(OpError::invalid(
            field,
            crate::domain::Invalid::new(message),
        ))
    }

    /// Status, code, title and detail.
    fn parts(&self) -> (StatusCode, &'static str, &'static str, String) {
        match self {
            Self::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Unauthenticated",
                "A valid identity is required.".into(),
            ),
            Self::CredentialRefused(reason) => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Unauthenticated",
                format!("The credential was refused: {reason}."),
            ),
            Self::ClaimMissing(claim) => (
                StatusCode::UNAUTHORIZED,
                "identity_claim_missing",
                "Identity claim missing",
                format!(
                    "The identity token has no `{claim}` claim, which Roster needs: \
                     configure the identity provider to include it."
                ),
            ),
            Self::ClaimInvalid(claim) => (
                StatusCode::UNAUTHORIZED,
                "identity_claim_invalid",
                "Identity claim invalid",
                format!("The identity token's `{claim}` claim is not a value Roster accepts."),
            ),
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
                "Send application/json (or text/csv where the route accepts it).".into(),
            ),
            Self::IdempotencyKeyReused => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "Idempotency key reused",
                "This Idempotency-Key was used with another request; use a new key.".into(),
            ),
            Self::IdempotencyInProgress => (
                StatusCode::CONFLICT,
                "idempotency_request_in_progress",
                "Request in progress",
                "A request with this Idempotency-Key is still being processed; retry shortly."
                    .into(),
            ),
            Self::IdempotencyAnswerTooLarge => (
                StatusCode::CONFLICT,
                "idempotency_answer_unavailable",
                "Request already carried out",
                "A request with this Idempotency-Key was carried out; its answer was too large to keep.".into(),
            ),
            Self::IdempotencySecretNotKept { token_id } => (
                StatusCode::CONFLICT,
                "idempotency_secret_not_kept",
                "Request already carried out",
                format!(
                    "A request with this Idempotency-Key issued the token {token_id}; its secret \
                     is shown once and never stored, so it cannot be shown again. Revoke it \
                     (DELETE /orgs/{{org}}/tokens/{token_id}) if the secret was lost, and issue \
                     a new one with a new key."
                ),
            ),
            Self::Op(op) => Self::op_parts(op),
        }
    }

    /// Status, code, title and detail of an operation's refusal.
    fn op_parts(op: &OpError) -> (StatusCode, &'static str, &'static str, String) {
        use OpError::*;
        match op {
            Invalid { field, reason } => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Invalid request",
                format!("{field}: {reason}"),
            ),
            InvalidCursor => (
                StatusCode::BAD_REQUEST,
                "invalid_cursor",
                "Invalid cursor",
                "The cursor is not valid for this query.".into(),
            ),
            Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Forbidden",
                "Your role does not allow this.".into(),
            ),
            CannotChangeOwnRole => (
                StatusCode::FORBIDDEN,
                "cannot_change_own_role",
                "Cannot change own role",
                "Another admin must change your role.".into(),
            ),
            EmailMismatch => (
                StatusCode::FORBIDDEN,
                "email_mismatch",
                "Email mismatch",
                "This invitation was sent to another email address, or yours is not verified."
                    .into(),
            ),
            PersonRequired => (
                StatusCode::FORBIDDEN,
                "person_required",
                "A person's sign-in is required",
                "API keys act on an organization's members, invitations and seats; \
                 creating organizations, accepting invitations, one's own tokens and \
                 API keys themselves need a person signed in."
                    .into(),
            ),
            EmailUnverified => (
                StatusCode::FORBIDDEN,
                "email_unverified",
                "Email not verified",
                "Verify your email address with your identity provider first: \
                 creating organizations, inviting, resending, assigning seats, \
                 issuing tokens and creating API keys need a verified email."
                    .into(),
            ),
            SeatRequired => (
                StatusCode::FORBIDDEN,
                "seat_required",
                "Seat required",
                "A seat is required to hold access tokens.".into(),
            ),
            OrgNotFound => (
                StatusCode::NOT_FOUND,
                "org_not_found",
                "Organization not found",
                "No such organization.".into(),
            ),
            MemberNotFound => (
                StatusCode::NOT_FOUND,
                "member_not_found",
                "Member not found",
                "No such member.".into(),
            ),
            InvitationNotFound => (
                StatusCode::NOT_FOUND,
                "invitation_not_found",
                "Invitation not found",
                "No such invitation, or the link was already used, replaced or revoked.".into(),
            ),
            TokenNotFound => (
                StatusCode::NOT_FOUND,
                "token_not_found",
                "Token not found",
                "No such token.".into(),
            ),
            ApiKeyNotFound => (
                StatusCode::NOT_FOUND,
                "api_key_not_found",
                "API key not found",
                "No such API key in this organization.".into(),
            ),
            ImportNotFound => (
                StatusCode::NOT_FOUND,
                "import_not_found",
                "Import not found",
                "No such import job.".into(),
            ),
            SuppressionNotFound => (
                StatusCode::NOT_FOUND,
                "suppression_not_found",
                "Suppression not found",
                "This address is not suppressed in this organization.".into(),
            ),
            EmailSuppressed => (
                StatusCode::CONFLICT,
                "email_suppressed",
                "Email suppressed",
                "Mail to this address bounced for good or was reported as spam; \
                 an admin must clear the suppression (DELETE /orgs/{org}/suppressions/{id}) first."
                    .into(),
            ),
            DirectoryNotFound(what) => (
                StatusCode::NOT_FOUND,
                "directory_resource_not_found",
                "Not found",
                format!("No such directory {what} in this organization."),
            ),
            NotUnique(what) => (
                StatusCode::CONFLICT,
                "not_unique",
                "Not unique",
                format!("{what}."),
            ),
            VersionMismatch => (
                StatusCode::PRECONDITION_FAILED,
                "version_mismatch",
                "Version mismatch",
                "The resource changed since the version named in If-Match.".into(),
            ),
            WebhookNotFound => (
                StatusCode::NOT_FOUND,
                "webhook_not_found",
                "Webhook endpoint not found",
                "No such webhook endpoint in this organization.".into(),
            ),
            DeliveryNotFound => (
                StatusCode::NOT_FOUND,
                "delivery_not_found",
                "Delivery not found",
                "No such delivery for this endpoint (deliveries are kept 30 days).".into(),
            ),
            WebhookLimit => (
                StatusCode::CONFLICT,
                "webhook_limit",
                "Webhook endpoint limit reached",
                format!(
                    "An organization has at most {} webhook endpoints; delete one first.",
                    crate::domain::webhook::MAX_ENDPOINTS
                ),
            ),
            InvalidWebhookUrl(why) => (
                StatusCode::BAD_REQUEST,
                "invalid_webhook_url",
                "Webhook URL refused",
                format!("{why}."),
            ),
            WebhooksNotConfigured => (
                StatusCode::SERVICE_UNAVAILABLE,
                "webhooks_not_configured",
                "Webhooks not configured",
                "This deployment has no webhook signing key.".into(),
            ),
            NotProvisioned => (
                StatusCode::NOT_FOUND,
                "not_provisioned",
                "Not provisioned",
                "This organization's directory has not provisioned your verified address.".into(),
            ),
            OrgExists => (
                StatusCode::CONFLICT,
                "org_exists",
                "Organization exists",
                "That slug is taken.".into(),
            ),
            AlreadyMember => (
                StatusCode::CONFLICT,
                "already_member",
                "Already a member",
                "You are already a member of this organization.".into(),
            ),
            InvitationNotPending => (
                StatusCode::CONFLICT,
                "invitation_not_pending",
                "Invitation not pending",
                "The invitation is no longer pending.".into(),
            ),
            NoSeatsAvailable => (
                StatusCode::CONFLICT,
                "no_seats_available",
                "No seats available",
                "Every seat is taken; raise seat_limit or free a seat.".into(),
            ),
            SeatLimitBelowUsage { seats_used } => (
                StatusCode::CONFLICT,
                "seat_limit_below_usage",
                "Seat limit below usage",
                format!("{seats_used} seats are in use; revoke seats before lowering the limit."),
            ),
            LastAdmin => (
                StatusCode::CONFLICT,
                "last_admin",
                "Last admin",
                "An organization needs at least one admin.".into(),
            ),
            InviterNoLongerAllowed => (
                StatusCode::CONFLICT,
                "inviter_no_longer_allowed",
                "Inviter no longer allowed",
                "The admin who sent this invitation can no longer grant its role (they were \
                 removed or their role changed). The invitation is still pending: ask an \
                 admin of the organization to resend it."
                    .into(),
            ),
            InvitationExpired { expires_at } => (
                StatusCode::GONE,
                "invitation_expired",
                "Invitation expired",
                format!("This invitation expired on {}.", rfc3339(*expires_at)),
            ),
            LimitExceeded(over) => (
                StatusCode::TOO_MANY_REQUESTS,
                "limit_exceeded",
                "Limit exceeded",
                format!(
                    "Over the {} limit ({}); retry in {} seconds.",
                    over.limit.name(),
                    over.max,
                    over.retry_after_secs
                ),
            ),
            TooLarge(what) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Payload too large",
                what.clone(),
            ),
            Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
                "A dependency is busy; retry shortly.".into(),
            ),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                "Something went wrong on our side.".into(),
            ),
        }
    }

    /// The answer a caller sees. Server errors are logged with their cause chain.
    pub fn into_response(self) -> Response<Body> {
        self.log();
        self.response()
    }

    /// Logs the error as every answer to it is logged: a server error with
    /// its cause chain, a refusal with its code.
    pub fn log(&self) {
        let (status, code, _, _) = self.parts();
        if status.is_server_error() {
            tracing::error!(error = %ErrorChain(self), code, "request failed");
        } else {
            tracing::info!(code, status = status.as_u16(), "request refused");
        }
    }

    /// Status, code and detail as a caller may see them (a server error's
    /// detail is the fixed message), for answers in another shape (SCIM's).
    pub fn public_parts(&self) -> (StatusCode, &'static str, String) {
        let (status, code, _, detail) = self.parts();
        (status, code, detail)
    }

    /// The problem+json answer, without logging it (also what an idempotency
    /// record keeps in place of an answer that showed a secret).
    pub fn response(&self) -> Response<Body> {
        let (status, code, title, detail) = self.parts();
        let mut body = json!({
            "type": "about:blank",
            "title": title,
            "status": status.as_u16(),
            "code": code,
            "detail": detail,
        });
        let mut retry_after = (status == StatusCode::SERVICE_UNAVAILABLE
            || matches!(self, Self::IdempotencyInProgress))
        .then_some(2);
        if let Self::Op(OpError::LimitExceeded(over)) = self {
            body["limit"] = json!(over.limit.name());
            body["max"] = json!(over.max);
            body["retry_after"] = json!(over.retry_after_secs);
            retry_after = Some(over.retry_after_secs);
        }
        if let Self::IdempotencySecretNotKept { token_id } = self {
            body["token_id"] = json!(token_id);
        }
        if let Self::ClaimMissing(claim) | Self::ClaimInvalid(claim) = self {
            body["claim"] = json!(claim);
        }
        if let Self::CredentialRefused(reason) = self {
            body["reason"] = json!(reason);
        }
        if let Self::Op(OpError::Invalid { field, reason }) = self {
            body["errors"] = json!([FieldError {
                field: field.clone(),
                message: reason.to_string()
            }]);
        }
        let mut builder = Response::builder()
            .status(status)
            .header("content-type", "application/problem+json")
            .header("cache-control", "no-store");
        if let Some(secs) = retry_after {
            builder = builder.header("retry-after", secs.to_string());
        }
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750: what a Bearer client is told when its credential is refused.
            let challenge = match self {
                Self::CredentialRefused(reason) => {
                    // Visible ASCII only: a header value refuses the rest.
                    let description: String = reason
                        .chars()
                        .map(|c| match c {
                            '"' => '\'',
                            ' '..='~' => c,
                            _ => '?',
                        })
                        .collect();
                    format!("Bearer error=\"invalid_token\", error_description=\"{description}\"")
                }
                _ => "Bearer".to_owned(),
            };
            builder = builder.header("www-authenticate", challenge);
        }
        builder
            .body(Body::Text(body.to_string()))
            .expect("static response parts are valid")
    }
}

#[cfg(test)]
mod tests {
    use super::ApiError;

    #[test]
    fn a_refusal_reason_with_any_characters_still_makes_a_valid_challenge() {
        let resp =
            ApiError::CredentialRefused("a \"quoted\"\r\nX-Evil: 1 \u{1} é".into()).into_response();
        assert_eq!(resp.status(), 401);
        let challenge = resp.headers()["www-authenticate"].to_str().unwrap();
        assert_eq!(
            challenge,
            "Bearer error=\"invalid_token\", error_description=\"a 'quoted'??X-Evil: 1 ? ?\""
        );
    }

    /// The codes this file answers with: the string after each `StatusCode::…,`.
    fn codes_answered() -> Vec<String> {
        let source = include_str!("error.rs");
        let test_module = source.find("#[cfg(test)]").unwrap_or(source.len());
        source[..test_module]
            .split("StatusCode::")
            .skip(1)
            .filter_map(|after| {
                let rest = after.split_once(',')?.1.trim_start();
                let code = rest.strip_prefix('"')?.split('"').next()?;
                Some(code.to_owned())
            })
            .collect()
    }

    #[test]
    fn every_error_code_answered_is_in_the_documented_error_code_enum() {
        let openapi: serde_norway::Value = serde_norway::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../infra/openapi.yaml"
        )))
        .expect("openapi.yaml parses");
        let documented: Vec<&str> = openapi["components"]["schemas"]["ErrorCode"]["enum"]
            .as_sequence()
            .expect("ErrorCode has an enum")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let answered = codes_answered();
        assert!(
            answered.len() > 20,
            "the scan found the codes: {answered:?}"
        );
        let missing: Vec<&String> = answered
            .iter()
            .filter(|c| !documented.contains(&c.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "error codes answered but not in infra/openapi.yaml's ErrorCode enum: {missing:?}"
        );
    }
}
