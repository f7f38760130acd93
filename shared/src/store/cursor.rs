//! Opaque pagination cursors. A cursor carries DynamoDB's last evaluated key,
//! bound to the org partition and the query it came from: one that does not
//! decode, or belongs to another org or query, is rejected as forged.

use super::Item;
use super::attrs::s;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(String);

/// DynamoDB's limit on a sort key value (partition keys may hold 2048).
const MAX_KEY_BYTES: usize = 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the cursor is not valid for this query")]
pub struct InvalidCursor;

#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    /// The query this cursor continues, e.g. `members:acme:role=admin`.
    q: String,
    /// The last evaluated key (string attributes only: all our keys are strings).
    k: BTreeMap<String, String>,
}

impl Cursor {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Encode `last_key` for the query named by `scope`.
    pub fn encode(scope: &str, last_key: &Item) -> Self {
        let k = last_key
            .iter()
            .filter_map(|(name, v)| v.as_s().ok().map(|v| (name.clone(), v.clone())))
            .collect();
        let json = serde_json::to_vec(&Payload {
            q: scope.to_owned(),
            k,
        })
        .expect("cursor payload serializes");
        Self(URL_SAFE_NO_PAD.encode(json))
    }

    /// Decode a caller's cursor for the query named by `scope`. The key must
    /// have exactly the attributes `names` (the table's or index's key: a key
    /// missing one is refused here, not by DynamoDB as a 500), each a
    /// non-empty string DynamoDB can hold; `key_ok` checks that each lies
    /// where this query may read (e.g. its `pk`).
    pub fn decode(
        raw: &str,
        scope: &str,
        names: &[&str],
        key_ok: impl Fn(&str, &str) -> bool,
    ) -> Result<Item, InvalidCursor> {
        if raw.len() > 2048 {
            return Err(InvalidCursor);
        }
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| InvalidCursor)?;
        let payload: Payload = serde_json::from_slice(&bytes).map_err(|_| InvalidCursor)?;
        if payload.q != scope
            || payload.k.len() != names.len()
            || !names.iter().all(|n| payload.k.contains_key(*n))
        {
            return Err(InvalidCursor);
        }
        let storable = |v: &str| !v.is_empty() && v.len() <= MAX_KEY_BYTES;
        if !payload
            .k
            .iter()
            .all(|(name, value)| storable(value) && key_ok(name, value))
        {
            return Err(InvalidCursor);
        }
        Ok(payload.k.into_iter().map(|(n, v)| (n, s(v))).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{OrgSlug, UserId};
    use crate::store::members::member_key;

    fn member(org: &str) -> Item {
        member_key(&OrgSlug::parse(org).unwrap(), &UserId::parse("u1").unwrap())
    }

    fn org_pk(org: &str) -> String {
        crate::store::keys::org_pk(&OrgSlug::parse(org).unwrap())
    }

    #[test]
    fn cursors_round_trip_within_their_scope() {
        let last = member("acme");
        let c = Cursor::encode("members:acme", &last);
        let ok = |n: &str, v: &str| n != "pk" || v == org_pk("acme");
        assert_eq!(
            Cursor::decode(c.as_str(), "members:acme", KEY, ok).unwrap(),
            last
        );
        assert_eq!(
            Cursor::decode(c.as_str(), "members:other", KEY, ok),
            Err(InvalidCursor)
        );
        assert_eq!(
            Cursor::decode("garbage!", "members:acme", KEY, ok),
            Err(InvalidCursor)
        );
    }

    #[test]
    fn a_cursor_pointing_into_another_org_is_rejected() {
        let forged = Cursor::encode("members:acme", &member("evil"));
        let ok = |n: &str, v: &str| n != "pk" || v == org_pk("acme");
        assert_eq!(
            Cursor::decode(forged.as_str(), "members:acme", KEY, ok),
            Err(InvalidCursor)
        );
    }

    const KEY: &[&str] = &["pk", "sk"];

    fn forged(k: serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::json!({"q": "members:acme", "k": k}).to_string())
    }

    #[test]
    fn a_decodable_cursor_without_the_exact_key_shape_is_rejected() {
        let ok = |_: &str, _: &str| true;
        for k in [
            serde_json::json!({"pk": "ORG#acme"}),
            serde_json::json!({"pk": "ORG#acme", "sk": ""}),
            serde_json::json!({"pk": "ORG#acme", "sk": "x", "gsi1pk": "y"}),
            serde_json::json!({"pk": "ORG#acme", "other": "x"}),
            serde_json::json!({"pk": "ORG#acme", "sk": "x".repeat(1025)}),
            serde_json::json!({"pk": "ORG#acme", "sk": 5}),
            serde_json::json!({}),
        ] {
            assert_eq!(
                Cursor::decode(&forged(k.clone()), "members:acme", KEY, ok),
                Err(InvalidCursor),
                "{k}"
            );
        }
        assert!(
            Cursor::decode(
                &forged(serde_json::json!({"pk": "ORG#acme", "sk": "MEMBER#u"})),
                "members:acme",
                KEY,
                ok
            )
            .is_ok()
        );
    }
}
