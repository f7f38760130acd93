//! The tests' stand-in for the HTTP API's authorizer (used by
//! [`crate::Req`]), and the tokens it reads: the claims a verified token
//! would carry, as the function receives them (every value a string), in the
//! authorizer's own context shape ([`roster::authorizer::context`]). API
//! keys go through the real authorizer code ([`roster::authorizer::api_key`]).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayV2httpRequestContext,
};
use lambda_http::request::RequestContext;
use roster::authorizer::context::Principal;
use std::collections::HashMap;

/// A token with these claims, shaped like a JWT (header, claims, signature)
/// but unsigned: only [`claims`] reads it, in place of a gateway that would
/// have verified it.
pub fn token(claims: &serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT","kid":"roster-tests"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{body}.unsigned")
}

/// The claims of `token` as strings, or None where API Gateway answers 401:
/// not a JWT, claims that are not a JSON object, no `exp`, or expired.
pub fn claims(token: &str) -> Option<HashMap<String, String>> {
    let mut parts = token.split('.');
    let (_header, body, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    let json: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
    let object = json.as_object()?;
    let exp = object.get("exp")?.as_i64()?;
    if exp <= chrono::Utc::now().timestamp() {
        return None;
    }
    Some(
        object
            .iter()
            .map(|(k, v)| (k.clone(), as_string(v)))
            .collect(),
    )
}

/// A claim as API Gateway passes it on: booleans and numbers as text, arrays
/// as `[a b]` (the same rule as `scripts/gateway.py`'s `claim_string`).
fn as_string(value: &serde_json::Value) -> String {
    use serde_json::Value::*;
    match value {
        String(s) => s.clone(),
        Array(items) => format!(
            "[{}]",
            items.iter().map(as_string).collect::<Vec<_>>().join(" ")
        ),
        Null => "<nil>".into(),
        other => other.to_string(),
    }
}

/// The person a verified token with these claims is, as the authorizer says.
pub fn person(claims: &HashMap<String, String>) -> Principal {
    Principal::Person {
        sub: claims.get("sub").cloned(),
        email: claims.get("email").cloned(),
        email_verified: claims.get("email_verified").cloned(),
    }
}

/// The request context API Gateway gives a function behind the authorizer.
pub fn context(principal: &Principal) -> RequestContext {
    // The events crate's types are non-exhaustive: filled in field by field.
    let mut authorizer = ApiGatewayRequestAuthorizer::default();
    authorizer.fields = principal.to_context().into_iter().collect();
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.authorizer = Some(authorizer);
    RequestContext::ApiGatewayV2(context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_reach_the_function_as_strings_and_expired_or_unreadable_tokens_do_not() {
        let exp = chrono::Utc::now().timestamp() + 60;
        let read = claims(&token(&serde_json::json!({
            "sub": "u1", "email_verified": false, "exp": exp, "groups": ["a", "b"],
        })))
        .unwrap();
        assert_eq!(read["email_verified"], "false");
        assert_eq!(read["exp"], exp.to_string());
        assert_eq!(read["groups"], "[a b]");
        let expired = token(&serde_json::json!({"sub": "u1", "exp": exp - 120}));
        for refused in ["", "garbage", "a.b.c", expired.as_str()] {
            assert!(claims(refused).is_none(), "{refused}");
        }
        assert!(
            claims(&token(&serde_json::json!({"sub": "u1"}))).is_none(),
            "no exp"
        );
    }
}
