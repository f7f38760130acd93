//! Turning a request into typed input: JSON bodies, path and query parameters,
//! content types and size limits.

use super::ApiError;
use crate::domain::{Invalid, InvitationId, OrgSlug, SuppressionId, UserId};
use crate::ops::invitations::revoke::InvitationRef;
use crate::ops::mail::clear_suppression::SuppressionRef;
use crate::ops::{MemberTarget, OpError, OrgPage, PageRequest};
use lambda_http::{Body, Request, RequestExt};
use serde::de::DeserializeOwned;

/// API Gateway allows 10 MB; we refuse anything over 5 MiB before parsing.
pub const MAX_BODY_BYTES: usize = 5 * 1024 * 1024;

pub fn body_bytes(req: &Request) -> Result<&[u8], ApiError> {
    let bytes: &[u8] = match req.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(OpError::TooLarge("The body is larger than 5 MiB.".into()).into());
    }
    Ok(bytes)
}

/// The media type without parameters, lower-cased (`application/json`).
pub fn media_type(req: &Request) -> Option<String> {
    req.headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

/// Parses a JSON body. An empty body parses as `{}` so that routes whose
/// fields are all optional accept a bare request.
pub fn json<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let bytes = body_bytes(req)?;
    match media_type(req).as_deref() {
        None if bytes.is_empty() => {}
        Some("application/json") => {}
        Some(t) if t.ends_with("+json") => {}
        _ => return Err(ApiError::UnsupportedMediaType),
    }
    // Deployed, API Gateway hands any body that is not UTF-8 over base64-encoded
    // (`isBase64Encoded`); it arrives here as bytes and is refused as such.
    if let Err(err) = std::str::from_utf8(bytes) {
        return Err(ApiError::invalid(
            "body",
            format!(
                "the body is not UTF-8 (first invalid byte at offset {})",
                err.valid_up_to()
            ),
        ));
    }
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|err| {
        // serde's message names the field and position, never our internals.
        ApiError::invalid("body", err.to_string())
    })
}

/// A path parameter, percent-decoded: API Gateway hands them over decoded,
/// `cargo lambda watch` does not, and decoding a decoded value without `%`
/// changes nothing. Invalid UTF-8 after decoding names nothing.
pub fn path_param(req: &Request, name: &str) -> Result<String, ApiError> {
    let raw = req
        .path_parameters_ref()
        .and_then(|p| p.first(name))
        .ok_or_else(|| ApiError::invalid(name, "missing path parameter"))?;
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| ApiError::invalid(name, "not valid UTF-8"))
}

/// The `{org}` path parameter. A malformed slug cannot name an org, so it is
/// answered like any unknown org.
pub fn org_slug(req: &Request) -> Result<OrgSlug, ApiError> {
    OrgSlug::parse(&path_param(req, "org")?).map_err(|_| OpError::OrgNotFound.into())
}

/// The `{user_id}` path parameter; a malformed id names nobody.
pub fn user_id(req: &Request) -> Result<UserId, ApiError> {
    UserId::parse(&path_param(req, "user_id")?).map_err(|_| OpError::MemberNotFound.into())
}

/// The `{id}` path parameter as a UUID: an id of another shape names
/// nothing, so it is answered as `missing`.
pub fn uuid_id(req: &Request, missing: OpError) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(&path_param(req, "id")?).map_err(|_| missing.into())
}

/// `{org}` and `{user_id}`: the member a route acts on.
pub fn target(req: &Request) -> Result<MemberTarget, ApiError> {
    Ok(MemberTarget {
        org: org_slug(req)?,
        user: user_id(req)?,
    })
}

/// `{org}` and the `{id}` of an invitation; a malformed id names no invitation.
pub fn invitation_ref(req: &Request) -> Result<InvitationRef, ApiError> {
    Ok(InvitationRef {
        org: org_slug(req)?,
        id: InvitationId::parse(&path_param(req, "id")?)
            .map_err(|_| ApiError::from(OpError::InvitationNotFound))?,
    })
}

/// `{org}` and `{id}` of a suppression path (`{id}` is the address,
/// base64url-encoded, as in the listing).
pub fn suppression_ref(req: &Request) -> Result<SuppressionRef, ApiError> {
    Ok(SuppressionRef {
        org: org_slug(req)?,
        id: SuppressionId::parse(&path_param(req, "id")?)
            .map_err(|_| ApiError::from(OpError::SuppressionNotFound))?,
    })
}

pub fn query(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref()
        .and_then(|q| q.first(name))
        .map(str::to_owned)
}

/// `limit`: 1–200, default 50.
fn limit(req: &Request) -> Result<i32, ApiError> {
    match query(req, "limit") {
        None => Ok(50),
        Some(raw) => raw
            .parse::<i32>()
            .ok()
            .filter(|n| (1..=200).contains(n))
            .ok_or_else(|| ApiError::invalid("limit", "limit must be an integer from 1 to 200")),
    }
}

/// `limit` and `cursor`: which page of a listing.
pub fn page(req: &Request) -> Result<PageRequest, ApiError> {
    Ok(PageRequest {
        limit: limit(req)?,
        cursor: query(req, "cursor"),
    })
}

/// `{org}` and the page's `limit` and `cursor`: an unfiltered listing.
pub fn org_page(req: &Request) -> Result<OrgPage, ApiError> {
    Ok(OrgPage {
        org: org_slug(req)?,
        page: page(req)?,
    })
}

/// A boolean query flag: `true` or `false` (absent means `false`).
pub fn flag(req: &Request, name: &str) -> Result<bool, ApiError> {
    match query(req, name).as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(ApiError::invalid(name, "must be true or false")),
    }
}

pub fn parsed<T>(field: &str, result: Result<T, Invalid>) -> Result<T, ApiError> {
    result.map_err(|reason| OpError::invalid(field, reason).into())
}

/// An optional field, parsed when present.
pub fn parsed_opt<R, T>(
    field: &str,
    raw: Option<R>,
    parse: impl FnOnce(R) -> Result<T, Invalid>,
) -> Result<Option<T>, ApiError> {
    raw.map(|raw| parsed(field, parse(raw))).transpose()
}
