//! What admins do with the directory from the console: see its groups and
//! users at a glance, and link a group to what it grants
//! (`PUT /orgs/{org}/directory/groups/{group}`).

use super::{Scope, authorize, groups};
use crate::App;
use crate::domain::OrgSlug;
use crate::domain::directory::{DirGroup, Grant};
use crate::ops::{Caller, OpError, settle};
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
pub async fn overview(app: &App, caller: &Caller, org: &OrgSlug) -> Result<Overview, OpError> {
    authorize(Scope { app, caller, org }, Reads::new()).await?;
    let groups = app.store.all(&directory::groups(org)).await?;
    let users = app.store.all(&directory::users(org)).await?;
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
    app: &App,
    caller: &Caller,
    org: &OrgSlug,
    group: &str,
    grants: Option<Grant>,
) -> Result<DirGroup, OpError> {
    caller.require_verified()?;
    settle(|| async {
        let dir = Scope { app, caller, org };
        let (membership, found) = groups::read_group(dir, group).await?;
        if found.grants == grants {
            return Ok(Some(found));
        }
        groups::set_grants(app, &membership, &found, grants).await
    })
    .await
}
