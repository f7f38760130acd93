//! `GET /orgs/{org}/members`: admins and billing managers page through the
//! members, optionally filtered by role or seat.

use crate::App;
use crate::domain::{Action, Member, OrgSlug, Role};
use crate::ops::access::list_page;
use crate::ops::{Caller, Listed, PageRequest};
use crate::store::members;

pub struct MemberQuery {
    pub org: OrgSlug,
    pub role: Option<Role>,
    pub seat: Option<bool>,
    pub page: PageRequest,
}

pub async fn list_members(app: &App, caller: &Caller, input: MemberQuery) -> Listed<Member> {
    let MemberQuery {
        org,
        role,
        seat,
        page,
    } = input;
    let query = members::listing(&org, role, seat);
    list_page(app, caller, &org, Action::ListMembers, query, page).await
}
