//! What a SCIM client reads to learn the server (RFC 7644 §4):
//! `ServiceProviderConfig`, `ResourceTypes` and `Schemas`. The schemas list
//! exactly the attributes Roster keeps, so a client (or a conformance suite)
//! that reads them sends nothing Roster would drop.

use super::resources::{GROUP_SCHEMA, USER_SCHEMA};
use super::{MAX_RESULTS, list};
use serde_json::{Value, json};

const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": [SPC_SCHEMA],
        "documentationUri": "https://github.com/roster/roster/blob/main/docs/guide/directory-sync.md",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "A directory sync key of the organization (an API key with scope scim), as `Authorization: Bearer <key>`.",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    })
}

fn resource_type(base: &str, name: &str, endpoint: &str, schema: &str, description: &str) -> Value {
    json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": name,
        "name": name,
        "endpoint": endpoint,
        "description": description,
        "schema": schema,
        "meta": {
            "resourceType": "ResourceType",
            "location": format!("{base}/ResourceTypes/{name}"),
        },
    })
}

pub fn resource_types(base: &str) -> Vec<Value> {
    vec![
        resource_type(
            base,
            "User",
            "/Users",
            USER_SCHEMA,
            "A person of the organization's directory, bound to a member by email.",
        ),
        resource_type(
            base,
            "Group",
            "/Groups",
            GROUP_SCHEMA,
            "A group of directory users; an admin links it to a role or a seat.",
        ),
    ]
}

pub fn resource_types_list(base: &str) -> Value {
    let types = resource_types(base);
    list(types.len(), 1, types)
}

fn attribute(name: &str, kind: &str, extra: Value) -> Value {
    let mut attr = json!({
        "name": name,
        "type": kind,
        "multiValued": false,
        "description": "",
        "required": false,
        "caseExact": false,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
    });
    if let (Value::Object(attr), Value::Object(extra)) = (&mut attr, extra) {
        attr.extend(extra);
    }
    attr
}

fn user_schema(base: &str) -> Value {
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "User Account",
        "attributes": [
            attribute("userName", "string", json!({"required": true, "uniqueness": "server",
                "description": "Unique in the organization, compared case-insensitively."})),
            attribute("name", "complex", json!({"subAttributes": [
                attribute("formatted", "string", json!({})),
                attribute("familyName", "string", json!({})),
                attribute("givenName", "string", json!({})),
            ]})),
            attribute("displayName", "string", json!({})),
            attribute("active", "boolean", json!({
                "description": "false takes the member's seat away (their tokens stop at once) and keeps the membership."})),
            attribute("emails", "complex", json!({"multiValued": true, "required": true,
                "description": "The primary (else work, else first) address binds the user to a member when created.",
                "subAttributes": [
                    attribute("value", "string", json!({"required": true})),
                    attribute("type", "string", json!({"canonicalValues": ["work", "home", "other"]})),
                    attribute("primary", "boolean", json!({})),
                ]})),
            attribute("groups", "complex", json!({"multiValued": true, "mutability": "readOnly",
                "subAttributes": [
                    attribute("value", "string", json!({"mutability": "readOnly"})),
                    attribute("$ref", "reference", json!({"mutability": "readOnly", "referenceTypes": ["Group"]})),
                    attribute("type", "string", json!({"mutability": "readOnly", "canonicalValues": ["direct"]})),
                ]})),
        ],
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{USER_SCHEMA}")},
    })
}

fn group_schema(base: &str) -> Value {
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "Group",
        "attributes": [
            attribute("displayName", "string", json!({"required": true})),
            attribute("members", "complex", json!({"multiValued": true,
                "subAttributes": [
                    attribute("value", "string", json!({"mutability": "immutable", "caseExact": true})),
                    attribute("$ref", "reference", json!({"mutability": "immutable", "referenceTypes": ["User"]})),
                    attribute("type", "string", json!({"mutability": "immutable", "canonicalValues": ["User"]})),
                ]})),
        ],
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{GROUP_SCHEMA}")},
    })
}

pub fn schemas(base: &str) -> Vec<Value> {
    vec![user_schema(base), group_schema(base)]
}

pub fn schemas_list(base: &str) -> Value {
    let all = schemas(base);
    list(all.len(), 1, all)
}
