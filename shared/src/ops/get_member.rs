//! `GET /orgs/{org}/members/{user_id}`: admins and billing managers read any
//! member; members read only themselves.

use super::{Caller, Membership, OpError};
use crate::App;
use crate::domain::{Action, Member, OrgSlug, UserId};
use crate::store::members;

pub async fn get_member(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    user: &UserId,
) -> Result<Member, OpError> {
    if *user == caller.user_id {
        return Ok(Membership::load(app, slug, caller, vec![]).await?.caller);
    }
    let membership =
        Membership::load(app, slug, caller, vec![members::member_key(slug, user)]).await?;
    membership.require(Action::ReadOtherMember)?;
    membership.member(user)
}
