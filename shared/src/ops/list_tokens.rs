//! `GET /orgs/{org}/tokens?user_id=`: one's own tokens (no secrets); admins
//! may name another member.

use super::{Caller, Membership, OpError, PageRequest};
use crate::App;
use crate::domain::{AccessToken, Action, OrgSlug, UserId};
use crate::store::{Page, Reads, tokens};

pub struct TokenQuery {
    pub org: OrgSlug,
    /// Whose tokens; the caller's when `None`.
    pub holder: Option<UserId>,
    pub page: PageRequest,
}

pub async fn list_tokens(
    app: &App,
    caller: &Caller,
    input: TokenQuery,
) -> Result<Page<AccessToken>, OpError> {
    let holder = input.holder.unwrap_or_else(|| caller.user_id.clone());
    let query = tokens::listing(&input.org, &holder);
    let start = query.start(input.page.cursor.as_deref())?;
    let membership = Membership::load(app, &input.org, caller, Reads::new()).await?;
    if holder != caller.user_id {
        membership.require(Action::ManageOthersTokens)?;
    }
    Ok(app.store.page(&query, start, input.page.limit).await?)
}
