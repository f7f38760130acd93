//! `GET /orgs/{org}/members`: admins and billing managers page through the
//! members, optionally filtered by role or seat.

use crate::App;
use crate::domain::{Action, Member, OrgSlug, Role};
use crate::ops::{Caller, Membership, OpError, PageRequest};
use crate::store::{Page, Reads, members};

pub struct MemberQuery {
    pub org: OrgSlug,
    pub role: Option<Role>,
    pub seat: Option<bool>,
    pub page: PageRequest,
}

pub async fn list_members(
    app: &App,
    caller: &Caller,
    input: MemberQuery,
) -> Result<Page<Member>, OpError> {
    let query = members::listing(&input.org, input.role, input.seat);
    let start = query.start(input.page.cursor.as_deref())?;
    let membership = Membership::load(app, &input.org, caller, Reads::new()).await?;
    membership.require(Action::ListMembers)?;
    Ok(app.store.page(&query, start, input.page.limit).await?)
}
