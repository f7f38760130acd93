//! `GET /orgs/{org}/members`: admins and billing managers page through the
//! members, optionally filtered by role, seat, or idle seat (no use of the
//! seat's tokens for `idle_days`).

use crate::App;
use crate::domain::{Action, Member, OrgSlug, Role};
use crate::ops::access::list_page;
use crate::ops::{Caller, Listed, PageRequest};
use crate::store::members;

pub struct MemberQuery {
    pub org: OrgSlug,
    pub role: Option<Role>,
    pub seat: Option<bool>,
    /// Only seats unused for this many days (1-365).
    pub idle_days: Option<u16>,
    pub page: PageRequest,
}

pub async fn list_members(app: &App, caller: &Caller, input: MemberQuery) -> Listed<Member> {
    let MemberQuery {
        org,
        role,
        seat,
        idle_days,
        page,
    } = input;
    let filter = members::MemberFilter {
        role,
        seat,
        idle: idle_days.map(|days| (days, app.now())),
    };
    let query = members::listing(&org, filter);
    list_page(app, caller, &org, Action::ListMembers, query, page).await
}
