//! `GET /me/orgs`: the caller's memberships (one index query) with their orgs
//! (one batch read).

use super::{Caller, OpError};
use crate::App;
use crate::domain::{Member, Org};
use crate::store::attrs::s;
use crate::store::keys::{GSI1, user_gsi1pk};
use crate::store::{Store, members, orgs};
use std::collections::HashMap;

pub struct MyOrg {
    pub org: Org,
    pub member: Member,
}

/// Upper bound on orgs listed for one person; beyond this the answer is cut.
const MAX_ORGS: i32 = 100;

pub async fn list_my_orgs(app: &App, caller: &Caller) -> Result<Vec<MyOrg>, OpError> {
    let out = app
        .store
        .client()
        .query()
        .table_name(app.store.table())
        .index_name(GSI1)
        .key_condition_expression("gsi1pk = :pk")
        .expression_attribute_values(":pk", s(user_gsi1pk(&caller.user_id)))
        .limit(MAX_ORGS)
        .send()
        .await
        .map_err(Store::map_sdk)?;
    let mut memberships = Vec::new();
    for item in out.items() {
        memberships.push((members::org_of(item)?, members::from_item(item)?));
    }
    if memberships.is_empty() {
        return Ok(vec![]);
    }
    let keys = memberships
        .iter()
        .map(|(slug, _)| orgs::org_key(slug))
        .collect();
    let mut found: HashMap<String, Org> = HashMap::new();
    for item in app.store.batch_get(keys).await? {
        let org = orgs::from_item(&item)?;
        found.insert(org.slug.to_string(), org);
    }
    let mut result: Vec<MyOrg> = memberships
        .into_iter()
        .filter_map(|(slug, member)| found.remove(slug.as_str()).map(|org| MyOrg { org, member }))
        .collect();
    result.sort_by(|a, b| a.org.slug.as_str().cmp(b.org.slug.as_str()));
    Ok(result)
}
