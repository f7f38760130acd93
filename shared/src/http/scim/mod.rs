//! SCIM 2.0 (RFC 7643/7644) as Roster speaks it to an org's identity
//! provider, under `/scim/v2/orgs/{org}`: the wire format only. What a
//! directory change means for members is [`crate::ops::directory`]'s.
//!
//! - [`resources`]: users and groups to and from JSON, `attributes` and
//!   `excludedAttributes`.
//! - [`filter`]: the filter language, and PATCH paths.
//! - [`patch`]: PATCH operations, Entra's dialect included.
//! - [`discovery`]: `ServiceProviderConfig`, `ResourceTypes`, `Schemas`.
//!
//! Every answer is `application/scim+json`; every error is SCIM's `Error`
//! message ([`ScimError`]), a 5xx with the fixed detail every 5xx has.

pub mod discovery;
pub mod filter;
pub mod patch;
pub mod resources;

use crate::http::ApiError;
use lambda_http::{Body, Response};
use serde_json::{Value, json};

pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const SEARCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub const MEDIA_TYPE: &str = "application/scim+json";

/// Most resources one page holds (`count` above it is lowered to it).
pub const MAX_RESULTS: usize = 1_000;
/// A page's size when the client names none.
pub const DEFAULT_COUNT: usize = 100;

/// A SCIM error answer (RFC 7644 §3.12).
#[derive(Debug)]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<&'static str>,
    pub detail: String,
    /// Seconds, for 429 and 503.
    pub retry_after: Option<u64>,
}

impl ScimError {
    fn new(status: u16, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
            retry_after: None,
        }
    }

    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidValue"), detail)
    }

    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidSyntax"), detail)
    }

    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidFilter"), detail)
    }

    pub fn invalid_path(path: &str) -> Self {
        Self::new(
            400,
            Some("invalidPath"),
            format!("`{path}` is not a valid path"),
        )
    }

    pub fn no_target(detail: &str) -> Self {
        Self::new(400, Some("noTarget"), detail)
    }

    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::new(400, Some("mutability"), detail)
    }

    pub fn too_many(detail: impl Into<String>) -> Self {
        Self::new(400, Some("tooMany"), detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, None, detail)
    }

    pub fn method_not_allowed() -> Self {
        Self::new(405, None, "This endpoint does not answer that method.")
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(
            415,
            None,
            "Send application/scim+json (or application/json).",
        )
    }

    pub fn response(&self) -> Response<Body> {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let Some(kind) = self.scim_type {
            body["scimType"] = json!(kind);
        }
        let mut resp = answer(self.status, &body);
        let headers = resp.headers_mut();
        if let Some(secs) = self.retry_after {
            headers.insert("retry-after", secs.into());
        }
        if self.status == 401 {
            headers.insert(
                "www-authenticate",
                http::HeaderValue::from_static("Bearer realm=\"scim\""),
            );
        }
        resp
    }
}

/// An API error as SCIM reports it; logged as every API error is.
impl From<ApiError> for ScimError {
    fn from(err: ApiError) -> Self {
        err.log();
        let retry_after = match &err {
            ApiError::Op(crate::ops::OpError::LimitExceeded(over)) => Some(over.retry_after_secs),
            _ => None,
        };
        let (status, code, detail) = err.public_parts();
        let scim_type = match code {
            "not_unique" => Some("uniqueness"),
            "invalid_request" => Some("invalidValue"),
            _ => None,
        };
        let retry_after = retry_after.or((status.as_u16() == 503).then_some(2));
        Self {
            status: status.as_u16(),
            scim_type,
            detail,
            retry_after,
        }
    }
}

impl From<crate::ops::OpError> for ScimError {
    fn from(err: crate::ops::OpError) -> Self {
        ApiError::from(err).into()
    }
}

/// A SCIM answer: `application/scim+json`, never cached.
pub fn answer(status: u16, body: &Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", MEDIA_TYPE)
        .header("cache-control", "no-store")
        .body(Body::Text(body.to_string()))
        .expect("static response parts are valid")
}

/// A `ListResponse` of one page of `resources` (RFC 7644 §3.4.2).
pub fn list(total: usize, start_index: usize, page: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": page.len(),
        "Resources": page,
    })
}
