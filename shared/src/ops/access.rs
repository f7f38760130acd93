//! The authorizing read shared by every `/orgs/{org}/...` operation: the org,
//! the caller's membership and any items the operation acts on, in one
//! `BatchGetItem`. Outsiders get `org_not_found`, as if the org did not exist.
//!
//! An API key's membership is its own item in the org (read in place of a
//! member item, in the same call): a key of another org, or one revoked or
//! expired since the authorizer let it through, finds none.

use super::{Caller, OpError, PageRequest};
use crate::App;
use crate::domain::permissions::{Action, allows};
use crate::domain::{ApiKey, Member, Org, OrgSlug, UserId, api_key};
use crate::store::rules::caller_still_holds;
use crate::store::{Found, Page, Query, Reads, Transaction, api_keys};

#[derive(Debug, Clone)]
pub struct Membership {
    pub org: Org,
    /// The caller's member item, or for an API key [`ApiKey::as_member`].
    pub caller: Member,
    /// The API key the caller is, if it is one.
    pub key: Option<ApiKey>,
    /// Everything the read found, the org and the caller included.
    pub found: Found,
}

impl Membership {
    /// Reads the org, the caller's membership and `extra` in one call.
    pub async fn load(
        app: &App,
        slug: &OrgSlug,
        caller: &Caller,
        extra: Reads,
    ) -> Result<Self, OpError> {
        let key_id = api_key::key_id_of(&caller.user_id);
        let reads = match key_id {
            Some(id) => extra.org(slug).api_key(slug, id),
            None => extra.org(slug).member(slug, &caller.user_id),
        };
        let found = app.store.read(reads).await?;
        let key = key_id
            .and_then(|id| found.api_key(id))
            .filter(|k| !k.credential.is_expired(app.now()))
            .cloned();
        let me = match &key {
            Some(key) => Some(key.as_member()),
            None if key_id.is_some() => None,
            None => found.member(&caller.user_id).cloned(),
        };
        match (found.org(slug), me) {
            (Some(org), Some(me)) => Ok(Self {
                org: org.clone(),
                caller: me,
                key,
                found,
            }),
            _ => Err(OpError::OrgNotFound),
        }
    }

    /// [`Self::load`], then [`Self::require`] `action`.
    pub async fn authorize(
        app: &App,
        slug: &OrgSlug,
        caller: &Caller,
        extra: Reads,
        action: Action,
    ) -> Result<Self, OpError> {
        let membership = Self::load(app, slug, caller, extra).await?;
        membership.require(action)?;
        Ok(membership)
    }

    pub fn require(&self, action: Action) -> Result<(), OpError> {
        if allows(self.caller.role, action) {
            Ok(())
        } else {
            Err(OpError::Forbidden)
        }
    }

    /// A member that was read (or the caller themselves).
    pub fn member(&self, user: &UserId) -> Result<Member, OpError> {
        self.found
            .member(user)
            .cloned()
            .ok_or(OpError::MemberNotFound)
    }

    /// Adds, under the name `caller`, the condition that the caller still
    /// holds the role they were authorized with, so a concurrent demotion or
    /// removal cannot race a privileged write. When the transaction also
    /// writes the caller's own member item, the condition joins that write
    /// (one item, one action) and its failure reads as "the state moved".
    /// A key's guard is that the key still exists: its role never changes.
    pub fn guard(&self, tx: &mut Transaction) {
        let check = match &self.key {
            Some(key) => api_keys::still_valid(&self.org.slug, &key.credential.id),
            None => caller_still_holds(&self.org.slug, &self.caller),
        };
        tx.push_check("caller", check);
    }
}

/// One page of an org's listing `query`, for a member whom `action` allows:
/// the cursor is checked first (a bad one costs no read), then the
/// authorizing read and one query.
pub async fn list_page<T>(
    app: &App,
    caller: &Caller,
    org: &OrgSlug,
    action: Action,
    query: Query<T>,
    page: PageRequest,
) -> Result<Page<T>, OpError> {
    Ok(authorized_page(app, caller, org, action, query, page)
        .await?
        .1)
}

/// [`list_page`], with the membership that authorized it (the org's
/// settings, for a listing that shows items in their light).
pub async fn authorized_page<T>(
    app: &App,
    caller: &Caller,
    org: &OrgSlug,
    action: Action,
    query: Query<T>,
    page: PageRequest,
) -> Result<(Membership, Page<T>), OpError> {
    let start = query.start(page.cursor.as_deref())?;
    let membership = Membership::authorize(app, org, caller, Reads::new(), action).await?;
    Ok((membership, app.store.page(&query, start, page.limit).await?))
}
