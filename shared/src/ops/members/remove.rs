//! `DELETE /orgs/{org}/members/{user_id}`: admins remove members; anyone
//! leaves. The seat is freed and the admin count kept honest in the same
//! transaction; the last admin can neither leave nor be removed. Tokens die
//! with the membership: introspection finds no member.

use crate::App;
use crate::domain::{Action, Member, Org, Role};
use crate::ops::commit::{Audit, commit};
use crate::ops::{Attempt, Caller, MemberTarget, Membership, OpError, settle};
use crate::store::rules::{Counters, counters};
use crate::store::{Reads, Transaction, members};
use serde_json::json;

pub async fn remove_member(
    app: &App,
    caller: &Caller,
    target: MemberTarget,
) -> Result<(), OpError> {
    settle(|| attempt(app, caller, &target)).await
}

async fn attempt(app: &App, caller: &Caller, target: &MemberTarget) -> Attempt<()> {
    let MemberTarget { org: slug, user } = target;
    let leaving = *user == caller.user_id;
    let membership = Membership::load(app, slug, caller, Reads::new().member(slug, user)).await?;
    if !leaving {
        membership.require(Action::RemoveOtherMember)?;
    }
    let member = membership.member(user)?;
    let was_admin = member.role == Role::Admin;
    let change = removal(&member, &membership.org)?;
    let [remove, email] = members::remove(slug, &member);
    let mut tx = Transaction::new();
    tx.push("member", remove)
        .push("org", counters(slug, change))
        .push("email", email);
    let action = if leaving {
        "member.left"
    } else {
        "member.removed"
    };
    let detail = json!({"email": member.email, "role": member.role, "had_seat": member.has_seat()});
    let audit = Audit::new(action, user.as_str(), detail);
    // Leaving needs no role; removing someone else does, until the write.
    let guard = (!leaving).then_some(&membership);
    match commit(app, &membership, slug, tx, audit, guard).await? {
        Ok(()) => Ok(Some(())),
        Err(lost) if was_admin && lost.on("org") => Err(OpError::LastAdmin),
        // Gone already, or their role or seat changed meanwhile: read again.
        Err(lost) if lost.on("member") => Ok(None),
        Err(lost) => Err(lost.into()),
    }
}

/// How removing `member` moves the org's counters: their seat is freed and
/// an admin leaves the admin count, but the last admin stays.
pub(crate) fn removal(member: &Member, org: &Org) -> Result<Counters, OpError> {
    let was_admin = member.role == Role::Admin;
    if was_admin && org.admin_count <= 1 {
        return Err(OpError::LastAdmin);
    }
    Ok(Counters::free_seat()
        .when(member.has_seat())
        .and(Counters::drop_admin().when(was_admin)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::fixtures::{member, org};

    #[test]
    fn the_last_admin_can_neither_leave_nor_be_removed() {
        let admin = member("ann", Role::Admin, false);
        assert!(matches!(
            removal(&admin, &org(0, 3, 1)),
            Err(OpError::LastAdmin)
        ));
        assert_eq!(
            removal(&admin, &org(0, 3, 2)).unwrap(),
            Counters::drop_admin()
        );
    }

    #[test]
    fn a_removed_member_frees_their_seat() {
        let seated = member("bob", Role::Member, true);
        assert_eq!(
            removal(&seated, &org(1, 3, 1)).unwrap(),
            Counters::free_seat()
        );
        let seated_admin = member("ann", Role::Admin, true);
        assert_eq!(
            removal(&seated_admin, &org(1, 3, 2)).unwrap(),
            Counters::free_seat().and(Counters::drop_admin())
        );
        let unseated = member("cat", Role::BillingManager, false);
        assert_eq!(removal(&unseated, &org(1, 3, 1)).unwrap(), Counters::NONE);
    }
}
