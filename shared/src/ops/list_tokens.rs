//! `GET /orgs/{org}/tokens?user_id=`: one's own tokens (no secrets); admins
//! may name another member.

use super::access::{query_failed, start_key};
use super::{Caller, Membership, OpError};
use crate::App;
use crate::domain::{Action, OrgSlug, UserId};
use crate::store::attrs::s;
use crate::store::keys::{GSI1, org_pk, tokens_gsi1pk};
use crate::store::tokens::{self, StoredToken};
use crate::store::{Cursor, Store};

pub async fn list_tokens(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    holder: Option<UserId>,
    limit: i32,
    cursor: Option<String>,
) -> Result<(Vec<StoredToken>, Option<Cursor>), OpError> {
    let holder = holder.unwrap_or_else(|| caller.user_id.clone());
    let gsi_pk = tokens_gsi1pk(slug, &holder);
    let pk = org_pk(slug);
    let scope = format!("tokens:{slug}:{holder}");
    let start = start_key(
        cursor.as_deref(),
        &scope,
        &["pk", "sk", "gsi1pk", "gsi1sk"],
        |name, value| match name {
            "gsi1pk" => value == gsi_pk,
            "pk" => value == pk,
            "sk" => value.starts_with("TOKEN#"),
            "gsi1sk" => true,
            _ => false,
        },
    )?;
    let membership = Membership::load(app, slug, caller, vec![]).await?;
    if holder != caller.user_id {
        membership.require(Action::ManageOthersTokens)?;
    }
    let out = app
        .store
        .client()
        .query()
        .table_name(app.store.table())
        .index_name(GSI1)
        .key_condition_expression("gsi1pk = :pk")
        .expression_attribute_values(":pk", s(gsi_pk))
        .scan_index_forward(false)
        .limit(limit)
        .set_exclusive_start_key(start)
        .send()
        .await
        .map_err(|e| query_failed(Store::map_sdk(e), cursor.is_some()))?;
    let items = out
        .items()
        .iter()
        .map(tokens::from_item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((
        items,
        out.last_evaluated_key.map(|k| Cursor::encode(&scope, &k)),
    ))
}
