//! `GET /scim/v2/orgs/{org}/{resource+}`, `POST /scim/v2/orgs/{org}/{resource+}`,
//! `PUT /scim/v2/orgs/{org}/{resource+}`, `PATCH /scim/v2/orgs/{org}/{resource+}`,
//! `DELETE /scim/v2/orgs/{org}/{resource+}`: the org's SCIM 2.0 service
//! provider for its identity provider. One function answers every SCIM request: the
//! resource path is resolved here, the body parsed by [`crate::http::scim`],
//! and the change made by [`crate::ops::directory`].
//!
//! Only a directory sync key of the org in the path gets in (the identity
//! layer refuses every other credential; the key's org is checked by the
//! operation's authorizing read).

use crate::App;
use crate::domain::OrgSlug;
use crate::domain::directory::{DirGroup, DirUser, GroupFields, UserFields};
use crate::http::identity::{Surface, caller_at};
use crate::http::request::{media_type, org_slug, path_param, query};
use crate::http::scim::resources::{group_fields, group_json, project, user_fields, user_json};
use crate::http::scim::{
    DEFAULT_COUNT, MAX_RESULTS, ScimError, answer, discovery, filter, list, patch,
};
use crate::ops::OpError;
use crate::ops::directory::{Change, OrgDirectory, groups, users};
use lambda_http::{Body, Request, Response};
use serde_json::Value;
use std::sync::Arc;

pub async fn handle(app: Arc<App>, req: Request) -> Response<Body> {
    match run(&app, &req).await {
        Ok(resp) => resp,
        Err(err) => err.response(),
    }
}

/// The resource a SCIM path names.
enum Target<'a> {
    Discovery(Document<'a>),
    Search,
    Users(Option<&'a str>),
    Groups(Option<&'a str>),
}

/// The discovery endpoints' documents (RFC 7644 §4).
enum Document<'a> {
    ServiceProviderConfig,
    ResourceTypes(Option<&'a str>),
    Schemas(Option<&'a str>),
}

fn target(path: &str) -> Option<Target<'_>> {
    let mut parts = path.trim_end_matches('/').splitn(2, '/');
    let head = parts.next()?;
    let rest = parts.next();
    Some(match (head, rest) {
        ("ServiceProviderConfig", None) => Target::Discovery(Document::ServiceProviderConfig),
        ("ResourceTypes", rest) => Target::Discovery(Document::ResourceTypes(rest)),
        ("Schemas", rest) => Target::Discovery(Document::Schemas(rest)),
        (".search", None) => Target::Search,
        ("Users", rest) => Target::Users(rest),
        ("Groups", rest) => Target::Groups(rest),
        _ => return None,
    })
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, ScimError> {
    let caller = caller_at(req, app.config.emails_verified_by_issuer, Surface::Scim)?;
    let org = org_slug(req)?;
    let resource = path_param(req, "resource")?;
    let base = base_url(req, &org);
    let method = req.method().as_str();
    let Some(target) = target(&resource) else {
        return Err(ScimError::not_found(format!(
            "no SCIM endpoint /{resource}"
        )));
    };
    let dir = OrgDirectory {
        app,
        caller: &caller,
        org: &org,
    };
    let ctx = Ctx {
        dir,
        base: &base,
        req,
    };
    match (method, target) {
        ("GET", Target::Discovery(doc)) => {
            // The discovery endpoints answer only the org's own key too.
            ctx.authorized().await?;
            document(&base, doc)
        }
        ("POST", Target::Search) => ctx.search(Kinds::Both, &body(req)?).await,
        (method, Target::Users(rest)) => ctx.resource::<DirUser>(method, rest).await,
        (method, Target::Groups(rest)) => ctx.resource::<DirGroup>(method, rest).await,
        _ => Err(ScimError::method_not_allowed()),
    }
}

fn document(base: &str, doc: Document<'_>) -> Result<Response<Body>, ScimError> {
    match doc {
        Document::ServiceProviderConfig => {
            Ok(answer(200, &discovery::service_provider_config(base)))
        }
        Document::ResourceTypes(None) => Ok(answer(200, &discovery::resource_types_list(base))),
        Document::ResourceTypes(Some(name)) => {
            by_id(discovery::resource_types(base), name, "resource type")
        }
        Document::Schemas(None) => Ok(answer(200, &discovery::schemas_list(base))),
        Document::Schemas(Some(id)) => by_id(discovery::schemas(base), id, "schema"),
    }
}

/// The discovery document `id` (`what` names its kind when there is none).
fn by_id(documents: Vec<Value>, id: &str, what: &str) -> Result<Response<Body>, ScimError> {
    documents
        .into_iter()
        .find(|doc| doc["id"] == id)
        .map(|doc| answer(200, &doc))
        .ok_or_else(|| ScimError::not_found(format!("no {what} {id}")))
}

/// The org's SCIM base URL as the client reached it.
fn base_url(req: &Request, org: &OrgSlug) -> String {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let path = format!("/scim/v2/orgs/{org}");
    match header("host") {
        Some(host)
            if host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)) =>
        {
            let scheme = header("x-forwarded-proto")
                .filter(|p| p == "http" || p == "https")
                .unwrap_or_else(|| "https".into());
            format!("{scheme}://{host}{path}")
        }
        _ => path,
    }
}

fn body(req: &Request) -> Result<Value, ScimError> {
    match media_type(req).as_deref() {
        Some("application/scim+json" | "application/json") | None => {}
        Some(_) => return Err(ScimError::unsupported_media_type()),
    }
    let bytes = crate::http::request::body_bytes(req)?;
    serde_json::from_slice(bytes)
        .map_err(|_| ScimError::invalid_syntax("the body is not valid JSON"))
}

/// `If-Match: W/"3"` as the version it names (`*` names none).
fn if_match(req: &Request) -> Result<Option<u64>, ScimError> {
    let Some(raw) = req.headers().get("if-match").and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let raw = raw.trim();
    if raw == "*" {
        return Ok(None);
    }
    raw.trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map(Some)
        .map_err(|_| ScimError::invalid_value("If-Match names no version of this server"))
}

fn no_content() -> Response<Body> {
    Response::builder()
        .status(204)
        .body(Body::Empty)
        .expect("static response parts are valid")
}

/// A resource answer with its version as `ETag` (and `Location` when created).
fn resource(status: u16, json: Value) -> Response<Body> {
    let mut resp = answer(status, &json);
    let headers = resp.headers_mut();
    if let Some(version) = json["meta"]["version"]
        .as_str()
        .and_then(|v| v.parse().ok())
    {
        headers.insert("etag", version);
    }
    if status == 201
        && let Some(location) = json["meta"]["location"]
            .as_str()
            .and_then(|v| v.parse().ok())
    {
        headers.insert("location", location);
    }
    resp
}

/// `attributes=userName, name.givenName` as its names.
fn attribute_names(list: &str) -> Vec<String> {
    list.split(',')
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect()
}

/// The query string as a SearchRequest's fields.
fn query_params(req: &Request) -> Value {
    let mut search = serde_json::Map::new();
    for name in [
        "filter",
        "startIndex",
        "count",
        "attributes",
        "excludedAttributes",
    ] {
        if let Some(value) = query(req, name) {
            search.insert(name.into(), Value::String(value));
        }
    }
    Value::Object(search)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kinds {
    Users,
    Groups,
    Both,
}

/// A search's paging and projection, from a query string or a SearchRequest.
struct Search {
    filter: Option<filter::Filter>,
    start_index: usize,
    count: usize,
    attributes: Vec<String>,
    excluded: Vec<String>,
}

impl Search {
    fn parse(input: &Value) -> Result<Self, ScimError> {
        let obj = input
            .as_object()
            .ok_or_else(|| ScimError::invalid_syntax("a SearchRequest is an object"))?;
        let get = |name: &str| crate::http::scim::resources::get(obj, name);
        let number = |name: &str, default: usize| -> Result<usize, ScimError> {
            match get(name) {
                None => Ok(default),
                Some(Value::Number(n)) => Ok(n.as_i64().unwrap_or(0).max(0) as usize),
                Some(Value::String(s)) => s
                    .trim()
                    .parse::<i64>()
                    .map(|n| n.max(0) as usize)
                    .map_err(|_| ScimError::invalid_value(format!("{name} must be an integer"))),
                Some(_) => Err(ScimError::invalid_value(format!(
                    "{name} must be an integer"
                ))),
            }
        };
        let names = |name: &str| -> Vec<String> {
            match get(name) {
                Some(Value::String(s)) => attribute_names(s),
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                _ => Vec::new(),
            }
        };
        Ok(Self {
            filter: match get("filter") {
                None => None,
                Some(Value::String(text)) => Some(filter::parse(text)?),
                Some(_) => return Err(ScimError::invalid_filter("filter must be a string")),
            },
            // RFC 7644 §3.4.2.4: below 1 counts as 1; `count` above the
            // maximum is lowered to it.
            start_index: number("startIndex", 1)?.max(1),
            count: number("count", DEFAULT_COUNT)?.min(MAX_RESULTS),
            attributes: names("attributes"),
            excluded: names("excludedAttributes"),
        })
    }
}

struct Ctx<'a> {
    dir: OrgDirectory<'a>,
    base: &'a str,
    req: &'a Request,
}

impl Ctx<'_> {
    /// The authorizing read alone: the caller is the org's directory key.
    async fn authorized(&self) -> Result<(), ScimError> {
        crate::ops::directory::authorize(self.dir, crate::store::Reads::new()).await?;
        Ok(())
    }

    /// A single resource with the request's `attributes`/`excludedAttributes`.
    fn shaped(&self, json: Value) -> Value {
        let names =
            |name: &str| query(self.req, name).map_or_else(Vec::new, |v| attribute_names(&v));
        project(json, &names("attributes"), &names("excludedAttributes"))
    }

    async fn search(&self, kinds: Kinds, input: &Value) -> Result<Response<Body>, ScimError> {
        let search = Search::parse(input)?;
        let mut found: Vec<Value> = Vec::new();
        if kinds != Kinds::Groups {
            let listed = match search.filter.as_ref().and_then(filter::user_name_eq) {
                // The common case (Okta and Entra look users up by userName): a direct read.
                Some(name) => users::find_by_user_name(self.dir, name)
                    .await?
                    .into_iter()
                    .collect(),
                None => users::list_users(self.dir).await?,
            };
            found.extend(listed.iter().map(|u| user_json(self.base, u)));
        }
        if kinds != Kinds::Users {
            let listed = groups::list_groups(self.dir).await?;
            found.extend(listed.iter().map(|g| group_json(self.base, g)));
        }
        if let Some(filter) = &search.filter {
            found.retain(|r| filter::matches(filter, r));
        }
        let total = found.len();
        let page: Vec<Value> = found
            .into_iter()
            .skip(search.start_index - 1)
            .take(search.count)
            .map(|r| project(r, &search.attributes, &search.excluded))
            .collect();
        Ok(answer(200, &list(total, search.start_index, page)))
    }

    /// `/Users` and `/Groups`, and what follows them in the path (`rest`).
    async fn resource<R: Resource>(
        &self,
        method: &str,
        rest: Option<&str>,
    ) -> Result<Response<Body>, ScimError> {
        let dir = self.dir;
        match (method, rest) {
            ("GET", None) => self.search(R::KINDS, &query_params(self.req)).await,
            ("POST", Some(".search")) => self.search(R::KINDS, &body(self.req)?).await,
            ("POST", None) => {
                let fields = R::fields(&body(self.req)?)?;
                Ok(self.reply(201, &R::create(dir, fields).await?))
            }
            ("GET", Some(id)) => Ok(self.reply(200, &R::get(dir, id).await?)),
            ("PUT", Some(id)) => self.write::<R>(id, body(self.req)?, true).await,
            ("PATCH", Some(id)) => self.write::<R>(id, body(self.req)?, false).await,
            ("DELETE", Some(id)) => {
                R::delete(dir, id, if_match(self.req)?).await?;
                Ok(no_content())
            }
            _ => Err(ScimError::method_not_allowed()),
        }
    }

    /// `found` as the answer, shaped by the request's `attributes`.
    fn reply<R: Resource>(&self, status: u16, found: &R) -> Response<Body> {
        resource(status, self.shaped(R::json(self.base, found)))
    }

    /// `PUT` (`whole`) or `PATCH` of a resource.
    async fn write<R: Resource>(
        &self,
        id: &str,
        body: Value,
        whole: bool,
    ) -> Result<Response<Body>, ScimError> {
        let write = Write::new(&body, whole, R::fields)?;
        let change = |found: &R| write.apply(R::json(self.base, found));
        let modified = R::modify(self.dir, id, if_match(self.req)?, &change).await;
        Ok(self.reply(200, &modified.map_err(|err| write.error(err))?))
    }
}

/// What the SCIM endpoints do alike for users and groups, each through its
/// own directory operations.
trait Resource: Sized {
    type Fields;
    /// What a search of this resource's endpoint lists.
    const KINDS: Kinds;
    fn fields(body: &Value) -> Result<Self::Fields, ScimError>;
    fn json(base: &str, found: &Self) -> Value;
    async fn create(dir: OrgDirectory<'_>, fields: Self::Fields) -> Result<Self, OpError>;
    async fn get(dir: OrgDirectory<'_>, id: &str) -> Result<Self, OpError>;
    async fn modify(
        dir: OrgDirectory<'_>,
        id: &str,
        if_match: Option<u64>,
        change: Change<'_, Self, Self::Fields>,
    ) -> Result<Self, OpError>;
    async fn delete(dir: OrgDirectory<'_>, id: &str, if_match: Option<u64>) -> Result<(), OpError>;
}

impl Resource for DirUser {
    type Fields = UserFields;
    const KINDS: Kinds = Kinds::Users;
    fn fields(body: &Value) -> Result<UserFields, ScimError> {
        user_fields(body)
    }
    fn json(base: &str, found: &Self) -> Value {
        user_json(base, found)
    }
    async fn create(dir: OrgDirectory<'_>, fields: UserFields) -> Result<Self, OpError> {
        users::create_user(dir, fields).await
    }
    async fn get(dir: OrgDirectory<'_>, id: &str) -> Result<Self, OpError> {
        users::get_user(dir, id).await
    }
    async fn modify(
        dir: OrgDirectory<'_>,
        id: &str,
        if_match: Option<u64>,
        change: Change<'_, Self, UserFields>,
    ) -> Result<Self, OpError> {
        users::modify_user(dir, id, if_match, change).await
    }
    async fn delete(dir: OrgDirectory<'_>, id: &str, if_match: Option<u64>) -> Result<(), OpError> {
        users::delete_user(dir, id, if_match).await
    }
}

impl Resource for DirGroup {
    type Fields = GroupFields;
    const KINDS: Kinds = Kinds::Groups;
    fn fields(body: &Value) -> Result<GroupFields, ScimError> {
        group_fields(body)
    }
    fn json(base: &str, found: &Self) -> Value {
        group_json(base, found)
    }
    async fn create(dir: OrgDirectory<'_>, fields: GroupFields) -> Result<Self, OpError> {
        groups::create_group(dir, fields).await
    }
    async fn get(dir: OrgDirectory<'_>, id: &str) -> Result<Self, OpError> {
        groups::get_group(dir, id).await
    }
    async fn modify(
        dir: OrgDirectory<'_>,
        id: &str,
        if_match: Option<u64>,
        change: Change<'_, Self, GroupFields>,
    ) -> Result<Self, OpError> {
        groups::modify_group(dir, id, if_match, change).await
    }
    async fn delete(dir: OrgDirectory<'_>, id: &str, if_match: Option<u64>) -> Result<(), OpError> {
        groups::delete_group(dir, id, if_match).await
    }
}

/// A `PUT` or `PATCH` as the change a modify operation applies to the
/// resource it read (so a retry after a lost race patches the resource as
/// it is then). The operation carries only an `OpError`: a PATCH the
/// resource refuses keeps its SCIM error here, and that is what the client
/// is answered.
struct Write<'a, T> {
    body: &'a Value,
    whole: bool,
    parse: fn(&Value) -> Result<T, ScimError>,
    refused: std::sync::Mutex<Option<ScimError>>,
}

impl<'a, T> Write<'a, T> {
    /// A `PUT` body is checked before anything is read.
    fn new(
        body: &'a Value,
        whole: bool,
        parse: fn(&Value) -> Result<T, ScimError>,
    ) -> Result<Self, ScimError> {
        if whole {
            parse(body)?;
        }
        Ok(Self {
            body,
            whole,
            parse,
            refused: std::sync::Mutex::new(None),
        })
    }

    /// What the resource (as SCIM shows it) becomes.
    fn apply(&self, mut resource: Value) -> Result<T, crate::ops::OpError> {
        let result = if self.whole {
            (self.parse)(self.body)
        } else {
            patch::apply(&mut resource, self.body).and_then(|()| (self.parse)(&resource))
        };
        result.map_err(|refused| {
            let detail = refused.detail.clone();
            *self.refused.lock().expect("not poisoned") = Some(refused);
            crate::ops::OpError::invalid("Operations", crate::domain::Invalid::new(detail))
        })
    }

    fn error(&self, err: crate::ops::OpError) -> ScimError {
        self.refused
            .lock()
            .expect("not poisoned")
            .take()
            .unwrap_or_else(|| err.into())
    }
}
