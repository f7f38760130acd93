//! SCIM resources as JSON (RFC 7643 §4): a directory user or group rendered
//! for a client, and a client's JSON parsed into what Roster keeps.
//! Attribute names are matched case-insensitively (RFC 7643 §2.1);
//! attributes Roster does not keep (enterprise extension, phone numbers…)
//! are accepted and ignored, as Okta and Entra send many of them.

use super::ScimError;
use crate::domain::directory::{
    DirEmail, DirGroup, DirUser, GroupFields, MAX_EMAILS, MAX_TEXT, Meta, PersonName, UserFields,
    etag,
};
use crate::domain::time::rfc3339;
use serde_json::{Map, Value, json};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// The value of `name` in `obj`, its key compared case-insensitively.
pub fn get<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

/// A boolean as SCIM clients send it: `true`, or Entra's `"True"`.
pub fn boolean(field: &str, value: &Value) -> Result<bool, ScimError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(ScimError::invalid_value(format!(
            "{field} must be a boolean"
        ))),
    }
}

fn text(field: &str, value: Option<&Value>) -> Result<Option<String>, ScimError> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) if s.chars().count() > MAX_TEXT => Err(ScimError::invalid_value(
            format!("{field} is longer than {MAX_TEXT} characters"),
        )),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ScimError::invalid_value(format!(
            "{field} must be a string"
        ))),
    }
}

fn object<'a>(field: &str, value: &'a Value) -> Result<&'a Map<String, Value>, ScimError> {
    value
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax(format!("{field} must be an object")))
}

fn array<'a>(field: &str, value: Option<&'a Value>) -> Result<&'a [Value], ScimError> {
    match value {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(ScimError::invalid_syntax(format!(
            "{field} must be an array"
        ))),
    }
}

/// A user as a client sent it (POST, PUT, or a PATCH applied to one).
pub fn user_fields(body: &Value) -> Result<UserFields, ScimError> {
    let obj = object("the user", body)?;
    let user_name = text("userName", get(obj, "userName"))?
        .ok_or_else(|| ScimError::invalid_value("userName is required"))?;
    let name = match get(obj, "name") {
        None => None,
        Some(value) => {
            let name = object("name", value)?;
            Some(PersonName {
                formatted: text("name.formatted", get(name, "formatted"))?,
                given_name: text("name.givenName", get(name, "givenName"))?,
                family_name: text("name.familyName", get(name, "familyName"))?,
            })
            .filter(|n| *n != PersonName::default())
        }
    };
    let emails = array("emails", get(obj, "emails"))?;
    if emails.len() > MAX_EMAILS {
        return Err(ScimError::invalid_value(format!(
            "a user has at most {MAX_EMAILS} emails"
        )));
    }
    let emails = emails
        .iter()
        .map(|email| {
            let email = object("emails[]", email)?;
            Ok(DirEmail {
                value: text("emails.value", get(email, "value"))?
                    .ok_or_else(|| ScimError::invalid_value("emails.value is required"))?,
                kind: text("emails.type", get(email, "type"))?,
                primary: get(email, "primary")
                    .map(|p| boolean("emails.primary", p))
                    .transpose()?
                    .unwrap_or(false),
            })
        })
        .collect::<Result<Vec<_>, ScimError>>()?;
    Ok(UserFields {
        user_name,
        external_id: text("externalId", get(obj, "externalId"))?,
        display_name: text("displayName", get(obj, "displayName"))?,
        name,
        emails,
        active: get(obj, "active")
            .map(|a| boolean("active", a))
            .transpose()?,
    })
}

/// A group as a client sent it.
pub fn group_fields(body: &Value) -> Result<GroupFields, ScimError> {
    let obj = object("the group", body)?;
    let display_name = text("displayName", get(obj, "displayName"))?
        .ok_or_else(|| ScimError::invalid_value("displayName is required"))?;
    let mut members = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for member in array("members", get(obj, "members"))? {
        let member = object("members[]", member)?;
        let id = text("members.value", get(member, "value"))?
            .ok_or_else(|| ScimError::invalid_value("members.value is required"))?;
        // A group of thousands: each id looked up once, not against the list.
        if seen.insert(id.clone()) {
            members.push(id);
        }
    }
    Ok(GroupFields {
        display_name,
        external_id: text("externalId", get(obj, "externalId"))?,
        members,
    })
}

fn drop_nulls(value: Value) -> Value {
    match value {
        Value::Object(obj) => Value::Object(
            obj.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, drop_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(drop_nulls).collect()),
        other => other,
    }
}

/// A user as SCIM shows it; `base` is the org's SCIM base URL.
pub fn user_json(base: &str, user: &DirUser) -> Value {
    let f = &user.fields;
    drop_nulls(json!({
        "schemas": [USER_SCHEMA],
        "id": user.id,
        "externalId": f.external_id,
        "userName": f.user_name,
        "displayName": f.display_name,
        "name": f.name.as_ref().map(|n| json!({
            "formatted": n.formatted, "givenName": n.given_name, "familyName": n.family_name,
        })),
        "emails": f.emails.iter().map(|e| json!({
            "value": e.value, "type": e.kind, "primary": e.primary,
        })).collect::<Vec<_>>(),
        "active": f.active,
        "groups": user.groups.iter().map(|g| json!({
            "value": g, "$ref": format!("{base}/Groups/{g}"), "type": "direct",
        })).collect::<Vec<_>>(),
        "meta": meta_json("User", format!("{base}/Users/{}", user.id), user.meta),
    }))
}

/// A group as SCIM shows it, with what it grants in Roster as an extension.
pub fn group_json(base: &str, group: &DirGroup) -> Value {
    drop_nulls(json!({
        "schemas": [GROUP_SCHEMA],
        "id": group.id,
        "externalId": group.external_id,
        "displayName": group.display_name,
        "members": group.members.iter().map(|m| json!({
            "value": m, "$ref": format!("{base}/Users/{m}"), "type": "User",
        })).collect::<Vec<_>>(),
        "meta": meta_json("Group", format!("{base}/Groups/{}", group.id), group.meta),
    }))
}

/// A resource's `meta` (RFC 7643 §3.1).
fn meta_json(resource_type: &str, location: String, meta: Meta) -> Value {
    json!({
        "resourceType": resource_type,
        "created": rfc3339(meta.created),
        "lastModified": rfc3339(meta.modified),
        "location": location,
        "version": etag(meta.version),
    })
}

/// Keeps what `attributes` asks for, or drops what `excluded` names
/// (RFC 7644 §3.9); `id` and `schemas` are always returned, and a
/// sub-attribute (`name.givenName`) selects within its attribute.
pub fn project(resource: Value, attributes: &[String], excluded: &[String]) -> Value {
    const ALWAYS: [&str; 2] = ["id", "schemas"];
    let Value::Object(obj) = resource else {
        return resource;
    };
    let mut out = Map::new();
    for (key, value) in obj {
        let lower = key.to_lowercase();
        if ALWAYS.contains(&key.as_str()) {
            out.insert(key, value);
            continue;
        }
        if !attributes.is_empty() {
            let asked = named_in(attributes, &lower);
            if asked.is_empty() {
                continue;
            }
            if asked.iter().any(Option::is_none) {
                out.insert(key, value);
            } else {
                let subs: Vec<String> = asked.into_iter().flatten().collect();
                out.insert(key, select_subs(value, &subs, true));
            }
            continue;
        }
        let dropped = named_in(excluded, &lower);
        if dropped.iter().any(Option::is_none) {
            continue;
        }
        let subs: Vec<String> = dropped.into_iter().flatten().collect();
        out.insert(key, select_subs(value, &subs, false));
    }
    Value::Object(out)
}

/// What `list` names of the attribute `lower` (lowercased): `None` for
/// the whole of it, `Some(sub)` for each of its sub-attributes.
fn named_in(list: &[String], lower: &str) -> Vec<Option<String>> {
    list.iter()
        .map(|name| strip_urn(name).to_lowercase())
        .filter_map(|name| match name.split_once('.') {
            Some((top, sub)) => (top == lower).then(|| Some(sub.to_owned())),
            None => (name == lower).then_some(None),
        })
        .collect()
}

/// `value` (an object, or each object of an array) with only the
/// sub-attributes in `subs` (`keep`), or without them.
fn select_subs(value: Value, subs: &[String], keep: bool) -> Value {
    match value {
        Value::Object(obj) => Value::Object(
            obj.into_iter()
                .filter(|(k, _)| subs.contains(&k.to_lowercase()) == keep)
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| select_subs(v, subs, keep))
                .collect(),
        ),
        other => other,
    }
}

/// An attribute name without its schema URN prefix
/// (`urn:ietf:params:scim:schemas:core:2.0:User:userName` → `userName`).
pub fn strip_urn(name: &str) -> &str {
    if name.to_ascii_lowercase().starts_with("urn:") {
        name.rsplit_once(':').map_or(name, |(_, attr)| attr)
    } else {
        name
    }
}

/// Whether `name` belongs to a schema extension Roster does not keep.
pub fn is_extension(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("urn:")
        && !lower.starts_with(&USER_SCHEMA.to_ascii_lowercase())
        && !lower.starts_with(&GROUP_SCHEMA.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_names_and_booleans_are_read_as_clients_send_them() {
        let fields = user_fields(&json!({
            "USERNAME": "Ann@Example.com",
            "Active": "False",
            "emails": [{"Value": "ann@example.com", "type": "work", "primary": "True"}],
            "name": {"givenname": "Ann"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"},
        }))
        .unwrap();
        assert_eq!(fields.user_name, "Ann@Example.com");
        assert_eq!(fields.active, Some(false));
        assert!(fields.emails[0].primary);
        assert_eq!(fields.name.unwrap().given_name.as_deref(), Some("Ann"));
    }

    #[test]
    fn a_user_without_user_name_or_with_a_bad_boolean_is_refused() {
        assert!(user_fields(&json!({"emails": []})).is_err());
        assert!(user_fields(&json!({"userName": "a", "active": "yes"})).is_err());
        assert!(user_fields(&json!({"userName": "a", "emails": "x"})).is_err());
    }

    #[test]
    fn attributes_keep_and_excluded_attributes_drop_with_id_always_kept() {
        let user = json!({"schemas": [USER_SCHEMA], "id": "1", "userName": "a",
            "name": {"givenName": "A", "familyName": "B"}, "active": true});
        let kept = project(
            user.clone(),
            &["userName".into(), "name.givenName".into()],
            &[],
        );
        assert_eq!(
            kept,
            json!({"schemas": [USER_SCHEMA], "id": "1", "userName": "a", "name": {"givenName": "A"}})
        );
        let dropped = project(
            user,
            &[],
            &["active".into(), "name.familyName".into(), "id".into()],
        );
        assert_eq!(
            dropped,
            json!({"schemas": [USER_SCHEMA], "id": "1", "userName": "a", "name": {"givenName": "A"}})
        );
    }
}
