//! `DELETE /orgs/{org}/tokens/{id}`: members revoke their own tokens, admins
//! any in the org. Both token items go in one transaction.

use crate::App;
use crate::domain::{Action, OrgSlug};
use crate::ops::commit::{Audit, commit};
use crate::ops::{Caller, Membership, OpError};
use crate::store::{Reads, Transaction, tokens};
use serde_json::json;

pub struct TokenRef {
    pub org: OrgSlug,
    pub id: uuid::Uuid,
}

pub async fn revoke_token(app: &App, caller: &Caller, input: TokenRef) -> Result<(), OpError> {
    let slug = &input.org;
    let id = input.id.to_string();
    let membership = Membership::load(app, slug, caller, Reads::new().token(slug, &id)).await?;
    let token = membership
        .found
        .token(&id)
        .cloned()
        .ok_or(OpError::TokenNotFound)?;
    let own = token.user_id == caller.user_id;
    if !own {
        membership.require(Action::ManageOthersTokens)?;
    }
    let [entry, lookup] = tokens::revoke(&token);
    let mut tx = Transaction::new();
    tx.push("token", entry).push("lookup", lookup);
    let detail = json!({"token_id": token.credential.id, "name": token.credential.name});
    let audit = Audit::new("token.revoked", token.user_id.as_str(), detail);
    let guard = (!own).then_some(&membership);
    match commit(app, &membership, slug, tx, audit, guard).await? {
        Ok(()) => Ok(()),
        Err(lost) if lost.on("token") => Err(OpError::TokenNotFound),
        Err(lost) => Err(lost.into()),
    }
}
