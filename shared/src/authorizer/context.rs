//! The contract between the authorizer and every function: the context it
//! returns (`requestContext.authorizer.lambda` in the function's event),
//! every value a string. The authorizer writes it with [`Principal::to_context`];
//! [`crate::http::identity`] reads it back with [`Principal::from_context`].
//!
//! A refused credential is still authorized at the gateway, with the reason
//! in the context, so that the function answers a 401 problem naming it: an
//! HTTP API's Lambda authorizer can only refuse with a bare 403.

use crate::domain::api_key::KeyScope;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Who the authorizer says is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A person, by the claims of their verified ID token, as strings (as
    /// API Gateway's JWT authorizer passes them; absent when the token had none).
    Person {
        sub: Option<String>,
        email: Option<String>,
        email_verified: Option<String>,
    },
    /// An org API key, with the email of the admin who created it, and
    /// where it works (`api` or `scim`).
    ApiKey {
        key_id: String,
        created_by_email: String,
        scope: KeyScope,
    },
    /// A credential that was refused, and why (a short sentence, no secret).
    Refused { reason: String },
}

const KIND: &str = "principal";

impl Principal {
    pub fn to_context(&self) -> Map<String, Value> {
        let mut map = Map::new();
        let mut put = |k: &str, v: &str| {
            map.insert(k.to_owned(), Value::String(v.to_owned()));
        };
        match self {
            Self::Person {
                sub,
                email,
                email_verified,
            } => {
                put(KIND, "person");
                for (k, v) in [
                    ("sub", sub),
                    ("email", email),
                    ("email_verified", email_verified),
                ] {
                    if let Some(v) = v {
                        put(k, v);
                    }
                }
            }
            Self::ApiKey {
                key_id,
                created_by_email,
                scope,
            } => {
                put(KIND, "api_key");
                put("key_id", key_id);
                put("created_by_email", created_by_email);
                put("scope", scope.as_str());
            }
            Self::Refused { reason } => {
                put(KIND, "refused");
                put("reason", reason);
            }
        }
        map
    }

    /// The principal of a function's authorizer context; `None` when there is
    /// none (a route without the authorizer) or it is not one of ours.
    pub fn from_context(fields: &HashMap<String, Value>) -> Option<Self> {
        let get = |k: &str| fields.get(k).and_then(Value::as_str).map(str::to_owned);
        match get(KIND)?.as_str() {
            "person" => Some(Self::Person {
                sub: get("sub"),
                email: get("email"),
                email_verified: get("email_verified"),
            }),
            "api_key" => Some(Self::ApiKey {
                key_id: get("key_id")?,
                created_by_email: get("created_by_email")?,
                // Only a key the authorizer called `scim` is one; anything else is an API key.
                scope: get("scope")
                    .and_then(|raw| KeyScope::parse(&raw).ok())
                    .unwrap_or(KeyScope::Api),
            }),
            "refused" => Some(Self::Refused {
                reason: get("reason")?,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_principal_survives_the_trip_through_the_gateway() {
        let principals = [
            Principal::Person {
                sub: Some("u1".into()),
                email: Some("a@example.com".into()),
                email_verified: None,
            },
            Principal::ApiKey {
                key_id: "k1".into(),
                created_by_email: "a@example.com".into(),
                scope: KeyScope::Scim,
            },
            Principal::Refused {
                reason: "the token has expired".into(),
            },
        ];
        for p in principals {
            let context = p.to_context();
            assert!(context.values().all(Value::is_string));
            let fields: HashMap<String, Value> = context.into_iter().collect();
            assert_eq!(Principal::from_context(&fields), Some(p));
        }
        assert_eq!(Principal::from_context(&HashMap::new()), None);
    }
}
