//! `DELETE /orgs/{org}/members/{user_id}/seat`: admins and billing managers
//! take seats back (their own too). The seat and `seats_used` move together
//! ([`crate::store::rules::free_seat`]). Tokens need no write: a token is only
//! valid under the seat epoch it was issued with, and that seat is gone.

use crate::App;
use crate::domain::Action;
use crate::ops::commit::Audit;
use crate::ops::{Attempt, Caller, MemberTarget, Membership, OpError, settle};
use crate::store::rules::free_seat;
use crate::store::{Reads, Transaction};
use serde_json::json;

pub async fn revoke_seat(app: &App, caller: &Caller, target: MemberTarget) -> Result<(), OpError> {
    settle(|| attempt(app, caller, &target)).await
}

async fn attempt(app: &App, caller: &Caller, target: &MemberTarget) -> Attempt<()> {
    let MemberTarget { org: slug, user } = target;
    let reads = Reads::new().member(slug, user);
    let membership = Membership::authorize(app, slug, caller, reads, Action::ManageSeats).await?;
    let member = membership.member(user)?;
    if !member.has_seat() {
        return Ok(Some(()));
    }
    let (seat, counter) = free_seat(slug, user);
    let mut tx = Transaction::new();
    tx.push("member", seat).push("seats_used", counter);
    let audit = Audit::new(
        "seat.revoked",
        user.as_str(),
        json!({"email": member.email}),
    );
    match membership.commit(app, tx, audit).await? {
        Ok(()) => Ok(Some(())),
        // Revoked or gone meanwhile, or (on oneself) the role moved: read again.
        Err(lost) if lost.on("member") => Ok(None),
        Err(lost) => Err(lost.into()),
    }
}
