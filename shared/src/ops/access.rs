//! The authorizing read shared by every `/orgs/{org}/...` operation: the org,
//! the caller's membership and any items the operation acts on, in one
//! `BatchGetItem`. Outsiders get `org_not_found`, as if the org did not exist.

use super::{Caller, OpError, PageRequest};
use crate::App;
use crate::domain::permissions::{Action, allows};
use crate::domain::{Member, Org, OrgSlug, UserId};
use crate::store::rules::caller_still_holds;
use crate::store::{Found, Page, Query, Reads, Transaction};

#[derive(Debug, Clone)]
pub struct Membership {
    pub org: Org,
    pub caller: Member,
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
        let found = app
            .store
            .read(extra.org(slug).member(slug, &caller.user_id))
            .await?;
        match (found.org(slug), found.member(&caller.user_id)) {
            (Some(org), Some(me)) => Ok(Self {
                org: org.clone(),
                caller: me.clone(),
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
    pub fn guard(&self, tx: &mut Transaction) {
        tx.push_check("caller", caller_still_holds(&self.org.slug, &self.caller));
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
    let start = query.start(page.cursor.as_deref())?;
    Membership::authorize(app, org, caller, Reads::new(), action).await?;
    Ok(app.store.page(&query, start, page.limit).await?)
}
