//! The role matrix of the API contract, as one function.

use super::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadOrg,
    UpdateOrgName,
    ListMembers,
    ReadOtherMember,
    ManageInvitations,
    ChangeRole,
    ManageSeats,
    RemoveOtherMember,
    IssueTokenForOther,
    ManageOthersTokens,
    ReadAudit,
}

/// Whether `role` may perform `action`. Acting on oneself (reading one's own
/// record, leaving, one's own tokens) is decided by the operation, not here.
pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    match action {
        ReadOrg => true,
        ListMembers | ReadOtherMember | ManageSeats => {
            matches!(role, Role::Admin | Role::BillingManager)
        }
        // Renaming rides on PATCH /orgs/{org}, which billing managers may use
        // for seat_limit; the name stays with admins.
        UpdateOrgName | ManageInvitations | ChangeRole | RemoveOtherMember | IssueTokenForOther
        | ManageOthersTokens | ReadAudit => role == Role::Admin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_matches_the_contract() {
        use Action::*;
        let table = [
            (ReadOrg, [true, true, true]),
            (ListMembers, [true, true, false]),
            (ReadOtherMember, [true, true, false]),
            (ManageInvitations, [true, false, false]),
            (ChangeRole, [true, false, false]),
            (ManageSeats, [true, true, false]),
            (RemoveOtherMember, [true, false, false]),
            (IssueTokenForOther, [true, false, false]),
            (ManageOthersTokens, [true, false, false]),
            (ReadAudit, [true, false, false]),
            (UpdateOrgName, [true, false, false]),
        ];
        for (action, expected) in table {
            for (role, want) in [Role::Admin, Role::BillingManager, Role::Member]
                .into_iter()
                .zip(expected)
            {
                assert_eq!(allows(role, action), want, "{role:?} {action:?}");
            }
        }
    }
}
