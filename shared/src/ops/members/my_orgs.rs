//! `GET /me/orgs`: the caller's memberships (one index query) with their orgs
//! (one batch read), by slug.

use crate::App;
use crate::domain::{Member, Org};
use crate::ops::{Caller, OpError};
use crate::store::{Reads, members};

pub struct MyOrg {
    pub org: Org,
    pub member: Member,
}

/// Upper bound on orgs listed for one person; beyond this the answer is cut.
const MAX_ORGS: i32 = 100;

pub async fn list_my_orgs(app: &App, caller: &Caller) -> Result<Vec<MyOrg>, OpError> {
    caller.require_person()?;
    let memberships = app
        .store
        .page(&members::of_user(&caller.user_id), None, MAX_ORGS)
        .await?
        .items;
    if memberships.is_empty() {
        return Ok(vec![]);
    }
    let reads = memberships
        .iter()
        .fold(Reads::new(), |reads, (slug, _)| reads.org(slug));
    let found = app.store.read(reads).await?;
    let mut result: Vec<MyOrg> = memberships
        .into_iter()
        .filter_map(|(slug, member)| {
            found.org(&slug).map(|org| MyOrg {
                org: org.clone(),
                member,
            })
        })
        .collect();
    result.sort_by(|a, b| a.org.slug.as_str().cmp(b.org.slug.as_str()));
    Ok(result)
}
