//! SCIM PATCH (RFC 7644 §3.5.2) applied to a resource's JSON; the result is
//! parsed again as a PUT would be, so a PATCH can set nothing a PUT could not.
//!
//! Besides the RFC's forms, Entra ID's: `op` in any case (`"Replace"`), a
//! path-less replace whose keys are dotted paths (`{"name.givenName": "A"}`),
//! and member removal as `{"op": "remove", "path": "members", "value":
//! [{"value": "id"}]}`. Operations on schema extensions Roster does not keep
//! are accepted and ignored.

use super::ScimError;
use super::filter::{self, Path};
use super::resources::{get, is_extension};
use serde_json::{Map, Value};

pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Most operations in one request.
pub const MAX_OPERATIONS: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Add,
    Replace,
    Remove,
}

/// Applies the `Operations` of a PatchOp `body` to `resource`.
pub fn apply(resource: &mut Value, body: &Value) -> Result<(), ScimError> {
    let ops = body
        .as_object()
        .and_then(|b| get(b, "Operations"))
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::invalid_syntax("a PatchOp needs an Operations array"))?;
    if ops.len() > MAX_OPERATIONS {
        return Err(ScimError::too_many(format!(
            "at most {MAX_OPERATIONS} operations per request"
        )));
    }
    for op in ops {
        let op = op
            .as_object()
            .ok_or_else(|| ScimError::invalid_syntax("each operation is an object"))?;
        let kind = match get(op, "op")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
        {
            Some(k) if k == "add" => Kind::Add,
            Some(k) if k == "replace" => Kind::Replace,
            Some(k) if k == "remove" => Kind::Remove,
            _ => {
                return Err(ScimError::invalid_syntax(
                    "op must be add, replace or remove",
                ));
            }
        };
        let value = get(op, "value");
        let obj = resource
            .as_object_mut()
            .expect("resources render as JSON objects");
        match get(op, "path").and_then(Value::as_str) {
            None => without_path(obj, kind, value)?,
            Some(path) if is_extension(path) => {}
            Some(path) => at_path(obj, kind, &filter::parse_path(path)?, value)?,
        }
    }
    Ok(())
}

/// The key of `name` in `obj` (case-insensitively), or `name` for a new one.
fn key(obj: &Map<String, Value>, name: &str) -> String {
    obj.keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| name.to_owned())
}

fn without_path(
    obj: &mut Map<String, Value>,
    kind: Kind,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    if kind == Kind::Remove {
        return Err(ScimError::no_target("remove needs a path"));
    }
    let value = value.and_then(Value::as_object).ok_or_else(|| {
        ScimError::invalid_syntax("an operation without a path needs an object value")
    })?;
    for (name, v) in value {
        // A client resending read-only attributes with their values changes nothing.
        if is_extension(name)
            || ["id", "meta", "schemas"].contains(&name.to_ascii_lowercase().as_str())
        {
            continue;
        }
        // Entra: `{"name.givenName": "Ann"}` sets a sub-attribute.
        let path = filter::parse_path(name)?;
        at_path(obj, kind, &path, Some(v))?;
    }
    Ok(())
}

fn at_path(
    obj: &mut Map<String, Value>,
    kind: Kind,
    path: &Path,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let attr = key(obj, &path.attr);
    if ["id", "meta", "schemas", "groups"].contains(&attr.to_ascii_lowercase().as_str()) {
        return Err(ScimError::mutability(format!("{attr} cannot be changed")));
    }
    match (&path.filter, &path.sub, kind) {
        (None, None, Kind::Remove) => {
            match (obj.get_mut(&attr), value.and_then(Value::as_array)) {
                // Entra: remove these members, named in `value`.
                (Some(Value::Array(items)), Some(gone)) => {
                    let gone: Vec<&Value> = gone.iter().filter_map(|g| g.get("value")).collect();
                    items.retain(|item| !item.get("value").is_some_and(|v| gone.contains(&v)));
                }
                _ => {
                    obj.remove(&attr);
                }
            }
        }
        (None, None, _) => {
            let value = value
                .cloned()
                .ok_or_else(|| ScimError::invalid_syntax("add and replace need a value"))?;
            match (obj.get_mut(&attr), value, kind) {
                // Adding to a multi-valued attribute appends what is new.
                (Some(Value::Array(items)), Value::Array(new), Kind::Add) => {
                    for item in new {
                        if !items.contains(&item) {
                            items.push(item);
                        }
                    }
                }
                (Some(Value::Array(items)), new @ Value::Object(_), Kind::Add) => {
                    if !items.contains(&new) {
                        items.push(new);
                    }
                }
                // Adding to a complex attribute merges into it.
                (Some(Value::Object(existing)), Value::Object(new), Kind::Add) => {
                    for (k, v) in new {
                        let k = key(existing, &k);
                        existing.insert(k, v);
                    }
                }
                (_, value, _) => {
                    obj.insert(attr, value);
                }
            }
        }
        (None, Some(sub), _) => {
            let entry = obj
                .entry(attr.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(inner) = entry else {
                return Err(ScimError::invalid_path(&format!("{attr}.{sub}")));
            };
            let sub = key(inner, sub);
            if kind == Kind::Remove {
                inner.remove(&sub);
            } else {
                let value = value
                    .cloned()
                    .ok_or_else(|| ScimError::invalid_syntax("add and replace need a value"))?;
                inner.insert(sub, value);
            }
        }
        (Some(selector), sub, _) => {
            let items = match obj
                .entry(attr.clone())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                Value::Array(items) => items,
                _ => return Err(ScimError::invalid_path(&attr)),
            };
            let mut hit = false;
            let mut kept = Vec::with_capacity(items.len());
            for mut item in std::mem::take(items) {
                if !filter::matches(selector, &item) {
                    kept.push(item);
                    continue;
                }
                hit = true;
                match (kind, sub) {
                    (Kind::Remove, None) => continue,
                    (Kind::Remove, Some(sub)) => {
                        if let Value::Object(inner) = &mut item {
                            let k = key(inner, sub);
                            inner.remove(&k);
                        }
                    }
                    (_, Some(sub)) => {
                        if let (Value::Object(inner), Some(v)) = (&mut item, value) {
                            let k = key(inner, sub);
                            inner.insert(k, v.clone());
                        }
                    }
                    (_, None) => {
                        if let (Value::Object(inner), Some(Value::Object(v))) = (&mut item, value) {
                            for (k, v) in v {
                                let k = key(inner, k);
                                inner.insert(k, v.clone());
                            }
                        }
                    }
                }
                kept.push(item);
            }
            *items = kept;
            if !hit && kind != Kind::Remove {
                // `emails[type eq "work"].value` on a user with no work
                // address adds one (what Entra and Okta expect).
                let Some(mut element) = seed(selector) else {
                    return Err(ScimError::no_target(&format!(
                        "no {attr} matches the path's filter"
                    )));
                };
                match (sub, value) {
                    (Some(sub), Some(v)) => {
                        element.insert(sub.clone(), v.clone());
                    }
                    (None, Some(Value::Object(v))) => element.extend(v.clone()),
                    _ => return Err(ScimError::invalid_syntax("add and replace need a value")),
                }
                items.push(Value::Object(element));
            }
        }
    }
    Ok(())
}

/// The element a plain `x eq "v"` (or `and` of them) selector describes.
fn seed(selector: &filter::Filter) -> Option<Map<String, Value>> {
    match selector {
        filter::Filter::Compare(path, filter::Op::Eq, value)
            if path.sub.is_none() && path.filter.is_none() =>
        {
            Some(Map::from_iter([(path.attr.clone(), value.clone())]))
        }
        filter::Filter::And(a, b) => {
            let mut element = seed(a)?;
            element.extend(seed(b)?);
            Some(element)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patched(resource: Value, ops: Value) -> Value {
        let mut resource = resource;
        apply(
            &mut resource,
            &json!({"schemas": [PATCH_SCHEMA], "Operations": ops}),
        )
        .unwrap();
        resource
    }

    fn user() -> Value {
        json!({"userName": "ann", "active": true, "name": {"givenName": "Ann"},
            "emails": [{"value": "ann@example.com", "type": "work", "primary": true}]})
    }

    #[test]
    fn entra_forms_have_the_effect_of_their_rfc_forms() {
        let rfc = patched(
            user(),
            json!([
                {"op": "replace", "path": "active", "value": false},
                {"op": "replace", "path": "name.givenName", "value": "Anne"},
            ]),
        );
        let entra = patched(
            user(),
            json!([
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "Replace", "value": {"name.givenName": "Anne"}},
            ]),
        );
        let parse = |v: &Value| super::super::resources::user_fields(v).unwrap();
        assert_eq!(parse(&rfc), parse(&entra));
        assert_eq!(parse(&entra).active, Some(false));
        assert_eq!(
            parse(&entra).name.unwrap().given_name.as_deref(),
            Some("Anne")
        );
    }

    #[test]
    fn members_are_added_once_and_removed_by_filter_or_by_value_array() {
        let group = json!({"displayName": "g", "members": [{"value": "a"}]});
        let added = patched(
            group,
            json!([
                {"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "b"}, {"value": "c"}]},
            ]),
        );
        assert_eq!(added["members"].as_array().unwrap().len(), 3);
        let rfc = patched(
            added.clone(),
            json!([{"op": "remove", "path": "members[value eq \"b\"]"}]),
        );
        let entra = patched(
            added,
            json!([
                {"op": "Remove", "path": "members", "value": [{"value": "b"}]},
            ]),
        );
        assert_eq!(rfc, entra);
        assert_eq!(rfc["members"], json!([{"value": "a"}, {"value": "c"}]));
    }

    #[test]
    fn a_filtered_replace_changes_the_match_or_adds_the_element_it_describes() {
        let changed = patched(
            user(),
            json!([
                {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "a@x.example"},
            ]),
        );
        assert_eq!(changed["emails"][0]["value"], "a@x.example");
        let added = patched(
            user(),
            json!([
                {"op": "add", "path": "emails[type eq \"home\"].value", "value": "h@x.example"},
            ]),
        );
        assert_eq!(
            added["emails"][1],
            json!({"type": "home", "value": "h@x.example"})
        );
    }

    #[test]
    fn read_only_attributes_and_unknown_ops_are_refused() {
        let mut u = user();
        let body = |ops: Value| json!({"Operations": ops});
        assert!(
            apply(
                &mut u,
                &body(json!([{"op": "replace", "path": "id", "value": "x"}]))
            )
            .is_err()
        );
        assert!(apply(&mut u, &body(json!([{"op": "move", "path": "active"}]))).is_err());
        assert!(apply(&mut u, &body(json!([{"op": "remove"}]))).is_err());
        assert!(apply(&mut u, &json!({"ops": []})).is_err());
    }
}
