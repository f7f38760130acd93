//! `GET /orgs/{org}/invitations`: admins page through pending, expired or all
//! invitations, ordered by expiry. "Expired" is decided against the clock, as
//! a key condition on the expiry index, not by trusting TTL.

use super::access::{query_failed, start_key};
use super::{Caller, Membership, OpError};
use crate::App;
use crate::domain::{Action, Invitation, OrgSlug};
use crate::store::attrs::{s, sortable_epoch};
use crate::store::keys::{GSI1, invitations_gsi1pk, org_pk};
use crate::store::{Cursor, Store, invitations};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Pending,
    Expired,
    All,
}

impl StatusFilter {
    pub fn parse(raw: Option<&str>) -> Option<Self> {
        match raw {
            None | Some("pending") => Some(Self::Pending),
            Some("expired") => Some(Self::Expired),
            Some("all") => Some(Self::All),
            Some(_) => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Expired => "expired",
            Self::All => "all",
        }
    }
}

pub struct InvitationQuery {
    pub status: StatusFilter,
    pub limit: i32,
    pub cursor: Option<String>,
}

pub async fn list_invitations(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    query: InvitationQuery,
) -> Result<(Vec<Invitation>, Option<Cursor>), OpError> {
    let gsi_pk = invitations_gsi1pk(slug);
    let pk = org_pk(slug);
    let scope = format!("invitations:{slug}:{}", query.status.name());
    // Everything sorting below "<now>#" expired at or before now.
    let boundary = format!("{}#", sortable_epoch(app.now().timestamp() + 1));
    // A start key outside the key condition is refused by DynamoDB; refuse
    // it first (an invitation that expired between two pages makes its
    // `pending` cursor stale too).
    let in_range = |gsi1sk: &str| match query.status {
        StatusFilter::All => true,
        StatusFilter::Pending => gsi1sk >= boundary.as_str(),
        StatusFilter::Expired => gsi1sk < boundary.as_str(),
    };
    let start = start_key(
        query.cursor.as_deref(),
        &scope,
        &["pk", "sk", "gsi1pk", "gsi1sk"],
        |name, value| match name {
            "gsi1pk" => value == gsi_pk,
            "pk" => value == pk,
            "sk" => value.starts_with("INV#"),
            "gsi1sk" => in_range(value),
            _ => false,
        },
    )?;
    let membership = Membership::load(app, slug, caller, vec![]).await?;
    membership.require(Action::ManageInvitations)?;
    let mut request = app
        .store
        .client()
        .query()
        .table_name(app.store.table())
        .index_name(GSI1)
        .expression_attribute_values(":pk", s(gsi_pk))
        .limit(query.limit)
        .set_exclusive_start_key(start);
    request = match query.status {
        StatusFilter::All => request.key_condition_expression("gsi1pk = :pk"),
        StatusFilter::Pending => request
            .key_condition_expression("gsi1pk = :pk AND gsi1sk >= :now")
            .expression_attribute_values(":now", s(&boundary)),
        StatusFilter::Expired => request
            .key_condition_expression("gsi1pk = :pk AND gsi1sk < :now")
            .expression_attribute_values(":now", s(&boundary)),
    };
    let out = request
        .send()
        .await
        .map_err(|e| query_failed(Store::map_sdk(e), query.cursor.is_some()))?;
    let items = out
        .items()
        .iter()
        .map(invitations::from_item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((
        items,
        out.last_evaluated_key.map(|k| Cursor::encode(&scope, &k)),
    ))
}
