//! What admins do with the directory from the console: see its groups and
//! users at a glance, and link a group to what it grants
//! (`PUT /orgs/{org}/directory/groups/{group}`).

use super::{OrgDirectory, authorize, groups};
use crate::domain::directory::{DirGroup, Grant};
use crate::ops::{OpError, settle};
use crate::store::{Reads, directory};

/// The directory as the console shows it.
pub struct Overview {
    pub groups: Vec<DirGroup>,
    pub users: usize,
    pub active_users: usize,
    /// Users provisioned whose person has not signed in yet.
    pub awaiting_sign_in: usize,
}

/// The authorizing read, the org's groups and users (two queries).
pub async fn overview(dir: OrgDirectory<'_>) -> Result<Overview, OpError> {
    authorize(dir, Reads::new()).await?;
    let groups = dir.app.store.all(&directory::groups(dir.org)).await?;
    let users = dir.app.store.all(&directory::users(dir.org)).await?;
    Ok(Overview {
        groups,
        users: users.len(),
        active_users: users.iter().filter(|u| u.fields.is_active()).count(),
        awaiting_sign_in: users
            .iter()
            .filter(|u| crate::domain::directory::is_placeholder(&u.member))
            .count(),
    })
}

/// Links `group` to `grants` (or unlinks it), moving its members' roles and
/// seats to match; refused as a whole when the seats or the last admin
/// would not allow it.
pub async fn set_group_grants(
    dir: OrgDirectory<'_>,
    group: &str,
    grants: Option<Grant>,
) -> Result<DirGroup, OpError> {
    dir.caller.require_verified()?;
    settle(|| async {
        let (membership, found) = groups::read_group(dir, group, None).await?;
        if found.grants == grants {
            return Ok(Some(found));
        }
        groups::set_grants(dir.app, &membership, &found, grants).await
    })
    .await
}
