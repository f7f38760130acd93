//! `POST /orgs/{org}/join` and `POST /me/join`: a person whom the org's directory provisioned
//! signs in with that (verified) address and becomes the member it created,
//! with the role and seat their groups gave it, and no invitation mail.
//!
//! Calls: the authorizing read (the org, the caller's member item, the
//! address's member index item), the provisioned member with its directory
//! user, and one transaction.

use crate::App;
use crate::domain::directory::{directory_id_of, is_placeholder};
use crate::domain::{Member, OrgSlug};
use crate::ops::commit::{Audit, commit};
use crate::ops::{Attempt, Caller, OpError, settle};
use crate::store::{Reads, Transaction, directory};
use serde_json::json;

pub async fn join(app: &App, caller: &Caller, org: &OrgSlug) -> Result<Member, OpError> {
    caller.require_person()?;
    caller.require_verified()?;
    settle(|| attempt(app, caller, org)).await
}

async fn attempt(app: &App, caller: &Caller, org: &OrgSlug) -> Attempt<Member> {
    let reads = Reads::new()
        .org(org)
        .member(org, &caller.user_id)
        .member_email(org, &caller.email);
    let found = app.store.read(reads).await?;
    if found.org(org).is_none() {
        return Err(OpError::NotProvisioned);
    }
    if found.member(&caller.user_id).is_some() {
        return Err(OpError::AlreadyMember);
    }
    let Some(placeholder) = found
        .member_id_by_email(&caller.email)
        .filter(|id| is_placeholder(id))
        .cloned()
    else {
        return Err(OpError::NotProvisioned);
    };
    let dir_id = directory_id_of(&placeholder).unwrap_or_default().to_owned();
    let found = app
        .store
        .read(
            Reads::new()
                .member(org, &placeholder)
                .dir_user(org, &dir_id),
        )
        .await?;
    let (Some(provisioned), Some(user)) = (found.member(&placeholder), found.dir_user(&dir_id))
    else {
        return Ok(None);
    };
    let mut tx = Transaction::new();
    let [gone, moved, email_item, bound] = directory::join(org, provisioned, user, &caller.user_id);
    tx.push("placeholder", gone)
        .push("member", moved)
        .push("member_email", email_item)
        .push("user", bound);
    let joined = Member {
        user_id: caller.user_id.clone(),
        ..provisioned.clone()
    };
    let audit = Audit::new(
        "member.joined_from_directory",
        caller.user_id.as_str(),
        json!({"email": joined.email, "role": joined.role, "seat": joined.has_seat(),
            "directory_user": dir_id}),
    );
    match commit(app, &joined, org, tx, audit, None).await? {
        Ok(()) => Ok(Some(joined)),
        Err(lost) if lost.on("member") => Err(OpError::AlreadyMember),
        Err(lost) if lost.on("placeholder") || lost.on("user") => Ok(None),
        Err(lost) => Err(lost.into()),
    }
}

/// `POST /me/join`: joins every org whose directory provisioned the
/// caller's verified address (what the console does after sign-in). One
/// query when there is none.
pub async fn join_all(app: &App, caller: &Caller) -> Result<Vec<(OrgSlug, Member)>, OpError> {
    caller.require_person()?;
    caller.require_verified()?;
    let orgs = app
        .store
        .all(&directory::provisioned(&caller.email))
        .await?;
    let mut joined = Vec::new();
    for org in orgs {
        match join(app, caller, &org).await {
            Ok(member) => joined.push((org, member)),
            // Joined meanwhile (another tab), or deprovisioned: nothing to do.
            Err(OpError::AlreadyMember | OpError::NotProvisioned) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(joined)
}
