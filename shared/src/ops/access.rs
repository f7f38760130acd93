//! The authorizing read shared by every `/orgs/{org}/...` operation: the org,
//! the caller's membership and any extra items the operation needs, in one
//! `BatchGetItem`. Outsiders get `org_not_found`, as if the org did not exist.

use super::{Caller, OpError};
use crate::App;
use crate::domain::permissions::{Action, allows};
use crate::domain::{Member, Org, OrgSlug, UserId};
use crate::store::attrs::s;
use crate::store::keys::member_sk;
use crate::store::tx::{Expr, check};
use crate::store::{Cursor, Item, StoreError, members, orgs};
use aws_sdk_dynamodb::types::TransactWriteItem;

#[derive(Debug, Clone)]
pub struct Membership {
    pub org: Org,
    pub caller: Member,
    /// The extra items that were asked for and exist, keyed by their `sk`.
    pub extra: Vec<Item>,
}

impl Membership {
    pub async fn load(
        app: &App,
        slug: &OrgSlug,
        caller: &Caller,
        extra_keys: Vec<Item>,
    ) -> Result<Self, OpError> {
        let mut keys = vec![
            orgs::org_key(slug),
            members::member_key(slug, &caller.user_id),
        ];
        // BatchGetItem refuses duplicate keys; the caller may be their own target.
        for key in extra_keys {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        let items = app.store.batch_get(keys).await?;
        let mut org = None;
        let mut me = None;
        let mut extra = Vec::new();
        for item in items {
            if orgs::is_org_item(&item) {
                org = Some(orgs::from_item(&item)?);
            } else if members::is_member_item(&item, &caller.user_id) {
                me = Some(members::from_item(&item)?);
            } else {
                extra.push(item);
            }
        }
        match (org, me) {
            (Some(org), Some(caller)) => Ok(Self { org, caller, extra }),
            _ => Err(OpError::OrgNotFound),
        }
    }

    pub fn require(&self, action: Action) -> Result<(), OpError> {
        if allows(self.caller.role, action) {
            Ok(())
        } else {
            Err(OpError::Forbidden)
        }
    }

    /// A member of this org fetched as an extra item (or the caller themselves).
    pub fn member(&self, user: &UserId) -> Result<Member, OpError> {
        if *user == self.caller.user_id {
            return Ok(self.caller.clone());
        }
        self.extra_with_sk(&member_sk(user))
            .map(members::from_item)
            .transpose()?
            .ok_or(OpError::MemberNotFound)
    }

    pub fn extra_with_sk(&self, sk: &str) -> Option<&Item> {
        self.extra
            .iter()
            .find(|i| i.get("sk").and_then(|v| v.as_s().ok()).map(String::as_str) == Some(sk))
    }

    /// A transaction action asserting the caller still holds the role they
    /// were authorized with, so a concurrent demotion or removal cannot race
    /// a privileged write.
    pub fn still_authorized(&self, app: &App) -> TransactWriteItem {
        check(
            app.store.table(),
            members::member_key(&self.org.slug, &self.caller.user_id),
            "#role = :role",
            Expr::new()
                .name("#role", "role")
                .value(":role", s(self.caller.role.as_str())),
        )
    }
}

/// Decodes an optional caller cursor for the query named by `scope`, whose
/// start key has exactly the attributes `names`.
pub fn start_key(
    cursor: Option<&str>,
    scope: &str,
    names: &[&str],
    key_ok: impl Fn(&str, &str) -> bool,
) -> Result<Option<Item>, OpError> {
    cursor
        .map(|raw| Cursor::decode(raw, scope, names, key_ok).map_err(|_| OpError::InvalidCursor))
        .transpose()
}

/// A query that DynamoDB refused as malformed while it carried a caller's
/// start key: the cursor passed our checks but not DynamoDB's (e.g. it lies
/// outside the key condition), so it is the caller's `invalid_cursor`, not a 500.
pub fn query_failed(err: StoreError, with_cursor: bool) -> OpError {
    match err {
        StoreError::Rejected(_) if with_cursor => OpError::InvalidCursor,
        other => other.into(),
    }
}
