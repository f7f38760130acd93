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
    ManageApiKeys,
    /// Directory sync: SCIM users and groups, and what groups grant.
    ManageDirectory,
    /// The events feed and webhook endpoints.
    ManageWebhooks,
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
        | ManageOthersTokens | ReadAudit | ManageApiKeys | ManageDirectory | ManageWebhooks => {
            role == Role::Admin
        }
    }
}

/// The roles an inviter must still hold when an invitation to `role` is
/// accepted, or `None` when the role grants nothing beyond membership (a
/// plain member's invitation stands whoever sent it). An invitation to an
/// elevated role is only as good as its inviter's right to grant it.
pub fn granters_of(role: Role) -> Option<&'static [Role]> {
    match role {
        Role::Admin | Role::BillingManager => Some(&[Role::Admin]),
        Role::Member => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_grant_the_elevated_roles_and_member_invitations_need_no_granter() {
        for role in [Role::Admin, Role::BillingManager] {
            let granters = granters_of(role).unwrap();
            // Whoever may grant a role may also invite (the matrix's rule).
            assert!(
                granters
                    .iter()
                    .all(|g| allows(*g, Action::ManageInvitations))
            );
            assert_eq!(granters, &[Role::Admin]);
        }
        assert_eq!(granters_of(Role::Member), None);
    }

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
            (ManageApiKeys, [true, false, false]),
            (ManageDirectory, [true, false, false]),
            (ManageWebhooks, [true, false, false]),
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
