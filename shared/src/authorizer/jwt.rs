//! ID tokens checked the way API Gateway's JWT authorizer checks them: RS256
//! only (so `alg: none` and HS256 signed with the public key are refused), a
//! `kid` of the issuer's JWKS, the signature, `iss`, `aud` (or `client_id`
//! when there is no `aud`), `exp` (required), `nbf` and `iat`. Each refusal
//! says which check failed, as API Gateway's `error_description` does.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// One RSA signing key of the issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    n: Vec<u8>,
    e: Vec<u8>,
}

/// The issuer's signing keys by `kid`: RSA keys for signatures only.
#[derive(Debug, Clone, Default)]
pub struct KeySet(HashMap<String, Jwk>);

impl KeySet {
    pub fn from_jwks(jwks: &Value) -> Self {
        let keys = jwks.get("keys").and_then(Value::as_array);
        Self(
            keys.into_iter()
                .flatten()
                .filter_map(|k| {
                    let field = |name: &str| k.get(name).and_then(Value::as_str);
                    let usable = field("kty") == Some("RSA")
                        && field("use").is_none_or(|u| u == "sig")
                        && field("alg").is_none_or(|a| a == "RS256");
                    let decode = |name: &str| URL_SAFE_NO_PAD.decode(field(name)?).ok();
                    usable.then_some(())?;
                    Some((
                        field("kid")?.to_owned(),
                        Jwk {
                            n: decode("n")?,
                            e: decode("e")?,
                        },
                    ))
                })
                .collect(),
        )
    }

    pub fn get(&self, kid: &str) -> Option<&Jwk> {
        self.0.get(kid)
    }
}

/// Whose tokens are accepted.
#[derive(Debug, Clone)]
pub struct Expected {
    pub issuer: String,
    pub audiences: Vec<String>,
}

/// The `kid` of a token's header, once the header says RS256.
pub fn kid(token: &str) -> Result<String, String> {
    let header = token.split('.').next().unwrap_or_default();
    let header = decode_json(header).ok_or("the token is malformed")?;
    match header.get("alg").and_then(Value::as_str) {
        Some("RS256") => {}
        // Named only when it is a known name: the reason reaches a header.
        Some(
            known @ ("none" | "HS256" | "HS384" | "HS512" | "RS384" | "RS512" | "ES256" | "ES384"
            | "ES512" | "PS256" | "PS384" | "PS512" | "EdDSA"),
        ) => {
            return Err(format!("signing method {known} is invalid"));
        }
        Some(_) => return Err("the signing method is not RS256".into()),
        None => return Err("signing method none is invalid".into()),
    }
    header
        .get("kid")
        .and_then(Value::as_str)
        .filter(|kid| !kid.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| "the token's kid matches no key of the issuer".into())
}

/// The claims of `token`, signed by `key`, for `expected`, at `now` (Unix seconds).
pub fn verify(
    token: &str,
    key: &Jwk,
    expected: &Expected,
    now: i64,
) -> Result<Map<String, Value>, String> {
    let mut parts = token.split('.');
    let (Some(header), Some(body), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the token is malformed".into());
    };
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| "the token is malformed")?;
    let signed = &token[..header.len() + 1 + body.len()];
    RsaPublicKeyComponents {
        n: &key.n,
        e: &key.e,
    }
    .verify(&RSA_PKCS1_2048_8192_SHA256, signed.as_bytes(), &signature)
    .map_err(|_| "the token's signature is invalid")?;
    let claims = decode_json(body).ok_or("the token is malformed")?;
    let number = |name: &str| claims.get(name).and_then(Value::as_f64);
    let exp = number("exp").ok_or("the token has no exp")?;
    if exp <= now as f64 {
        return Err("the token has expired".into());
    }
    if number("nbf").is_some_and(|nbf| nbf > now as f64)
        || number("iat").is_some_and(|iat| iat > now as f64)
    {
        return Err("the token is not valid yet".into());
    }
    if claims.get("iss").and_then(Value::as_str) != Some(expected.issuer.as_str()) {
        return Err("the token does not have a valid issuer".into());
    }
    // client_id counts only when the token has no aud.
    let aud = claims.get("aud").or_else(|| claims.get("client_id"));
    let audiences: Vec<&Value> = match aud {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
        None => vec![],
    };
    let known = |a: &&Value| {
        a.as_str()
            .is_some_and(|a| expected.audiences.iter().any(|e| e == a))
    };
    if !audiences.iter().any(known) {
        return Err("the token does not have a valid audience".into());
    }
    Ok(claims)
}

/// A claim as API Gateway hands it to a function: always a string (`true`,
/// `42`), the way `scripts/gateway.py` and the deployed authorizer agree.
pub fn claim_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(claim_string).collect::<Vec<_>>().join(" ")
        ),
        Value::Null => "<nil>".into(),
        other => other.to_string(),
    }
}

fn decode_json(part: &str) -> Option<Map<String, Value>> {
    match serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
    use serde_json::json;

    /// A 2048-bit RSA key for these tests only (PKCS#1 DER, base64).
    const TEST_KEY_DER: &str = include_str!("test_rsa_key.der.b64");

    fn pair() -> RsaKeyPair {
        use base64::engine::general_purpose::STANDARD;
        let der = STANDARD.decode(TEST_KEY_DER.trim()).unwrap();
        RsaKeyPair::from_der(&der).unwrap()
    }

    fn public(pair: &RsaKeyPair) -> Jwk {
        let components: RsaPublicKeyComponents<Vec<u8>> = pair.public_key().into();
        Jwk {
            n: components.n,
            e: components.e,
        }
    }

    fn sign(pair: &RsaKeyPair, header: &Value, claims: &Value) -> String {
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut sig = vec![0; pair.public().modulus_len()];
        pair.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            signed.as_bytes(),
            &mut sig,
        )
        .unwrap();
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    fn expected() -> Expected {
        Expected {
            issuer: "https://issuer.example".into(),
            audiences: vec!["roster-console".into()],
        }
    }

    const NOW: i64 = 1_800_000_000;

    fn claims() -> Value {
        json!({"iss": "https://issuer.example", "aud": "roster-console", "sub": "u1",
               "exp": NOW + 60, "iat": NOW - 1})
    }

    fn rs256() -> Value {
        json!({"alg": "RS256", "kid": "k1"})
    }

    #[test]
    fn a_good_token_passes_and_every_broken_check_is_named() {
        let pair = pair();
        let key = public(&pair);
        let good = sign(&pair, &rs256(), &claims());
        assert_eq!(kid(&good).unwrap(), "k1");
        let verified = verify(&good, &key, &expected(), NOW).unwrap();
        assert_eq!(verified["sub"], "u1");

        let with = |patch: Value| {
            let mut c = claims();
            for (k, v) in patch.as_object().unwrap() {
                if v.is_null() {
                    c.as_object_mut().unwrap().remove(k);
                } else {
                    c[k] = v.clone();
                }
            }
            verify(&sign(&pair, &rs256(), &c), &key, &expected(), NOW).unwrap_err()
        };
        assert_eq!(with(json!({"exp": NOW})), "the token has expired");
        assert_eq!(with(json!({"exp": null})), "the token has no exp");
        assert_eq!(with(json!({"nbf": NOW + 5})), "the token is not valid yet");
        assert_eq!(
            with(json!({"iss": "https://evil.example"})),
            "the token does not have a valid issuer"
        );
        assert_eq!(
            with(json!({"aud": "other"})),
            "the token does not have a valid audience"
        );
        // client_id stands in for a missing aud only.
        assert!(with(json!({"aud": null})).contains("audience"));
        let mut by_client = claims();
        by_client.as_object_mut().unwrap().remove("aud");
        by_client["client_id"] = json!("roster-console");
        assert!(verify(&sign(&pair, &rs256(), &by_client), &key, &expected(), NOW).is_ok());
        let listed = json!({"aud": ["x", "roster-console"]});
        let mut c = claims();
        c["aud"] = listed["aud"].clone();
        assert!(verify(&sign(&pair, &rs256(), &c), &key, &expected(), NOW).is_ok());
    }

    #[test]
    fn tampered_unsigned_or_symmetric_tokens_are_refused() {
        let pair = pair();
        let key = public(&pair);
        let good = sign(&pair, &rs256(), &claims());
        let mut parts: Vec<&str> = good.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(json!({"sub": "admin"}).to_string());
        parts[1] = &forged;
        assert_eq!(
            verify(&parts.join("."), &key, &expected(), NOW).unwrap_err(),
            "the token's signature is invalid"
        );
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(json!({"alg": "none", "kid": "k1"}).to_string()),
            URL_SAFE_NO_PAD.encode(claims().to_string())
        );
        assert_eq!(kid(&none).unwrap_err(), "signing method none is invalid");
        let hs = sign(&pair, &json!({"alg": "HS256", "kid": "k1"}), &claims());
        assert_eq!(kid(&hs).unwrap_err(), "signing method HS256 is invalid");
        assert_eq!(kid("garbage").unwrap_err(), "the token is malformed");
        let odd = sign(
            &pair,
            &json!({"alg": "\u{1}\r\nX: y", "kid": "k1"}),
            &claims(),
        );
        assert_eq!(kid(&odd).unwrap_err(), "the signing method is not RS256");
        let no_kid = sign(&pair, &json!({"alg": "RS256"}), &claims());
        assert!(kid(&no_kid).unwrap_err().contains("kid"));
    }

    #[test]
    fn the_key_set_keeps_rsa_signing_keys_only() {
        let set = KeySet::from_jwks(&json!({"keys": [
            {"kty": "RSA", "kid": "a", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"},
            {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AQAB", "y": "AQAB"},
            {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        ]}));
        assert!(set.get("a").is_some());
        assert!(set.get("enc").is_none() && set.get("ec").is_none());
    }

    #[test]
    fn claims_become_strings_as_api_gateway_passes_them() {
        assert_eq!(claim_string(&json!(true)), "true");
        assert_eq!(claim_string(&json!("True")), "True");
        assert_eq!(claim_string(&json!(42)), "42");
        assert_eq!(claim_string(&json!(["a", "b"])), "[a b]");
    }
}
