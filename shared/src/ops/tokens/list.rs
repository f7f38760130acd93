//! `GET /orgs/{org}/tokens?user_id=`: one's own tokens (no secrets); admins
//! may name another member. Each says whether it still works, by the rule
//! introspection applies ([`AccessToken::inactive`]): the holder's member item
//! rides on the authorizing read, so a listing stays one read and one query.

use crate::App;
use crate::domain::{AccessToken, Action, Inactive, OrgSlug, UserId};
use crate::ops::{Caller, Membership, OpError, PageRequest};
use crate::store::{Page, Reads, tokens};

pub struct TokenQuery {
    pub org: OrgSlug,
    /// Whose tokens; the caller's when `None`.
    pub holder: Option<UserId>,
    pub page: PageRequest,
}

/// A listed token and, when it no longer works, why.
#[derive(Debug, Clone)]
pub struct ListedToken {
    pub token: AccessToken,
    pub inactive: Option<Inactive>,
}

pub async fn list_tokens(
    app: &App,
    caller: &Caller,
    input: TokenQuery,
) -> Result<Page<ListedToken>, OpError> {
    let holder = match input.holder {
        Some(holder) => holder,
        None => {
            caller.require_person()?;
            caller.user_id.clone()
        }
    };
    let query = tokens::listing(&input.org, &holder);
    let start = query.start(input.page.cursor.as_deref())?;
    let reads = Reads::new().member(&input.org, &holder);
    let membership = Membership::load(app, &input.org, caller, reads).await?;
    if holder != caller.user_id {
        membership.require(Action::ManageOthersTokens)?;
    }
    let page = app.store.page(&query, start, input.page.limit).await?;
    let (member, now) = (membership.found.member(&holder), app.now());
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|token| ListedToken {
                inactive: token.inactive(member, now),
                token,
            })
            .collect(),
        next: page.next,
    })
}
