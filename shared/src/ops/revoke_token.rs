//! `DELETE /orgs/{org}/tokens/{id}`: members revoke their own tokens, admins
//! any in the org. Both token items go in one transaction.

use super::{Caller, Membership, OpError, audit};
use crate::App;
use crate::domain::{Action, OrgSlug};
use crate::store::keys::token_sk;
use crate::store::tokens;
use crate::store::tx::{Expr, delete};
use serde_json::json;

pub async fn revoke_token(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    id: &str,
) -> Result<(), OpError> {
    let membership = Membership::load(app, slug, caller, vec![tokens::token_key(slug, id)]).await?;
    let token = membership
        .extra_with_sk(&token_sk(id))
        .map(tokens::from_item)
        .transpose()?
        .ok_or(OpError::TokenNotFound)?;
    let own = token.user_id == caller.user_id;
    if !own {
        membership.require(Action::ManageOthersTokens)?;
    }
    let table = app.store.table();
    let mut actions = vec![
        delete(
            table,
            tokens::token_key(slug, id),
            Some("attribute_exists(pk)"),
            Expr::new(),
        ),
        delete(table, tokens::lookup_key(&token.hash), None, Expr::new()),
        audit::entry(
            app,
            slug,
            caller,
            "token.revoked",
            token.user_id.as_str(),
            json!({"token_id": token.id, "name": token.name}),
        ),
    ];
    if !own {
        actions.push(membership.still_authorized(app));
    }
    match app.store.transact(actions).await {
        Ok(()) => Ok(()),
        Err(err) if err.failed_at(0) => Err(OpError::TokenNotFound),
        Err(err) if err.failed_at(3) => Err(OpError::Forbidden),
        Err(err) => Err(err.into()),
    }
}
