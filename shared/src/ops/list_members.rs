//! `GET /orgs/{org}/members`: admins and billing managers page through the
//! members, optionally filtered by role or seat.

use super::access::{query_failed, start_key};
use super::{Caller, Membership, OpError};
use crate::App;
use crate::domain::{Action, Member, OrgSlug, Role};
use crate::store::attrs::s;
use crate::store::keys::{MEMBER_PREFIX, org_pk};
use crate::store::{Cursor, Page, Store, members};

pub struct MemberQuery {
    pub role: Option<Role>,
    pub seat: Option<bool>,
    pub limit: i32,
    pub cursor: Option<String>,
}

impl MemberQuery {
    fn scope(&self, org: &OrgSlug) -> String {
        format!(
            "members:{org}:{}:{}",
            self.role.map(Role::as_str).unwrap_or("*"),
            self.seat.map(|b| b.to_string()).unwrap_or("*".into())
        )
    }
}

pub async fn list_members(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    query: MemberQuery,
) -> Result<(Vec<Member>, Option<Cursor>), OpError> {
    let pk = org_pk(slug);
    let scope = query.scope(slug);
    let start = start_key(
        query.cursor.as_deref(),
        &scope,
        &["pk", "sk"],
        |name, value| match name {
            "pk" => value == pk,
            "sk" => value.starts_with(MEMBER_PREFIX),
            _ => false,
        },
    )?;
    let membership = Membership::load(app, slug, caller, vec![]).await?;
    membership.require(Action::ListMembers)?;

    let mut filters = Vec::new();
    let mut request = app
        .store
        .client()
        .query()
        .table_name(app.store.table())
        .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
        .expression_attribute_values(":pk", s(&pk))
        .expression_attribute_values(":prefix", s(MEMBER_PREFIX))
        .consistent_read(true)
        .limit(query.limit)
        .set_exclusive_start_key(start);
    if let Some(role) = query.role {
        filters.push("#role = :role");
        request = request
            .expression_attribute_names("#role", "role")
            .expression_attribute_values(":role", s(role.as_str()));
    }
    match query.seat {
        Some(true) => filters.push("attribute_exists(seat_assigned_at)"),
        Some(false) => filters.push("attribute_not_exists(seat_assigned_at)"),
        None => {}
    }
    if !filters.is_empty() {
        request = request.filter_expression(filters.join(" AND "));
    }
    let out = request
        .send()
        .await
        .map_err(|e| query_failed(Store::map_sdk(e), query.cursor.is_some()))?;
    let page = Page {
        items: out
            .items()
            .iter()
            .map(members::from_item)
            .collect::<Result<Vec<_>, _>>()?,
        last_key: out.last_evaluated_key,
    };
    Ok((
        page.items,
        page.last_key.map(|k| Cursor::encode(&scope, &k)),
    ))
}
