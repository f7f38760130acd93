//! `GET /orgs/{org}/members/{user_id}`: admins and billing managers read any
//! member; everyone reads themselves.

use crate::App;
use crate::domain::{Action, Member};
use crate::ops::{Caller, MemberTarget, Membership, OpError};
use crate::store::Reads;

pub async fn get_member(
    app: &App,
    caller: &Caller,
    target: MemberTarget,
) -> Result<Member, OpError> {
    let MemberTarget { org: slug, user } = &target;
    let membership = Membership::load(app, slug, caller, Reads::new().member(slug, user)).await?;
    if *user != caller.user_id {
        membership.require(Action::ReadOtherMember)?;
    }
    membership.member(user)
}
