//! Directory sync (SCIM 2.0): the users and groups an organization's
//! identity provider manages, and what they mean in Roster.
//!
//! A directory user is bound to one member of the org, by email:
//! - if a member with that address already exists (they joined by
//!   invitation), the user is bound to them;
//! - otherwise a member is created at once, under a placeholder id
//!   (`directory:<id>`), with no mail sent; when the person first signs in
//!   with that (verified) address and joins, the member moves to their
//!   real id ([`crate::ops::directory::join`]).
//!
//! Groups carry what they grant ([`Grant`]): a linked group makes its
//! members admins, billing managers or seat holders. A member's role and
//! seat follow from the groups they are in ([`effect`]) whenever the
//! directory changes them; `active: false` takes the seat away (so tokens
//! die at once) and keeps the membership.

use super::{Email, Invalid, Role, UserId};
use chrono::{DateTime, Utc};

/// The prefix of a provisioned member's id until the person joins. No
/// person has one: the identity layer refuses a `sub` that starts with it.
pub const PLACEHOLDER_PREFIX: &str = "directory:";

/// The member id a directory user is provisioned under until the person
/// joins; `None` for an id no directory user has (a client's garbled path).
pub fn placeholder_id(directory_id: &str) -> Option<UserId> {
    UserId::parse(&format!("{PLACEHOLDER_PREFIX}{directory_id}")).ok()
}

/// The directory user a placeholder member id stands for; `None` for a
/// person's id.
pub fn directory_id_of(user: &UserId) -> Option<&str> {
    user.as_str().strip_prefix(PLACEHOLDER_PREFIX)
}

pub fn is_placeholder(user: &UserId) -> bool {
    directory_id_of(user).is_some()
}

/// What a directory group grants its members in Roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    Admin,
    BillingManager,
    Seat,
}

impl Grant {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "admin" => Ok(Self::Admin),
            "billing_manager" => Ok(Self::BillingManager),
            "seat" => Ok(Self::Seat),
            _ => Err(Invalid::new(
                "grants must be admin, billing_manager, seat or null",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::BillingManager => "billing_manager",
            Self::Seat => "seat",
        }
    }
}

/// A name as SCIM carries it (`name` of RFC 7643 §4.1.1, the parts Roster keeps).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct PersonName {
    pub formatted: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
}

/// One of a user's addresses (`emails`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DirEmail {
    pub value: String,
    pub kind: Option<String>,
    pub primary: bool,
}

/// What the directory says about a user: everything a SCIM client may set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserFields {
    /// Unique in the org, compared case-insensitively (RFC 7643 §4.1.1).
    pub user_name: String,
    pub external_id: Option<String>,
    pub display_name: Option<String>,
    pub name: Option<PersonName>,
    pub emails: Vec<DirEmail>,
    /// Unassigned (a client removed it, or never sent it) counts as active.
    pub active: Option<bool>,
}

impl UserFields {
    pub fn is_active(&self) -> bool {
        self.active.unwrap_or(true)
    }
}

/// Longest value of any string attribute Roster stores.
pub const MAX_TEXT: usize = 256;
/// Most addresses one user may carry.
pub const MAX_EMAILS: usize = 10;

impl UserFields {
    /// The address the user is bound by: the primary email, else the work
    /// one, else the first, else `userName` when it is an address.
    pub fn binding_email(&self) -> Result<Email, Invalid> {
        let chosen = self
            .emails
            .iter()
            .find(|e| e.primary)
            .or_else(|| {
                self.emails
                    .iter()
                    .find(|e| e.kind.as_deref() == Some("work"))
            })
            .or(self.emails.first())
            .map(|e| e.value.as_str())
            .unwrap_or(&self.user_name);
        Email::parse(chosen).map_err(|_| {
            Invalid::new(
                "a user needs an email address (its primary email, or a userName that is one)",
            )
        })
    }

    /// The lower-cased user name the uniqueness rule compares.
    pub fn user_name_key(&self) -> String {
        self.user_name.to_lowercase()
    }
}

/// A directory user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirUser {
    pub id: String,
    pub fields: UserFields,
    /// The address it is bound by (fixed when created: the member keeps it).
    pub email: Email,
    /// The member it is bound to (a placeholder until the person joins).
    pub member: UserId,
    /// Ids of the groups it is in (kept by group writes).
    pub groups: Vec<String>,
    pub meta: Meta,
}

/// A group's members, as their directory user ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGroup {
    pub id: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub members: Vec<String>,
    pub grants: Option<Grant>,
    pub meta: Meta,
}

/// A directory resource (user or group), by its [`Meta`].
pub trait Versioned {
    fn meta(&self) -> Meta;
}

impl Versioned for DirUser {
    fn meta(&self) -> Meta {
        self.meta
    }
}

impl Versioned for DirGroup {
    fn meta(&self) -> Meta {
        self.meta
    }
}

/// When a directory resource was created and last changed, and its version
/// (SCIM's `meta`; a client's `If-Match` names a version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub version: u64,
}

impl Meta {
    /// A resource created at `now`, at `version`.
    pub fn new(now: DateTime<Utc>, version: u64) -> Self {
        Self {
            created: now,
            modified: now,
            version,
        }
    }

    /// The next version, changed at `now`.
    pub fn changed(self, now: DateTime<Utc>) -> Self {
        Self {
            modified: now,
            version: self.version + 1,
            ..self
        }
    }

    /// Whether a client that expects version `if_match` is refused.
    pub fn refuses(self, if_match: Option<u64>) -> bool {
        if_match.is_some_and(|v| v != self.version)
    }
}

/// What a SCIM client may set on a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFields {
    pub display_name: String,
    pub external_id: Option<String>,
    /// Directory user ids, without duplicates.
    pub members: Vec<String>,
}

/// Most members one group may hold (one item: DynamoDB's 400 KB).
pub const MAX_GROUP_MEMBERS: usize = 5_000;

/// The strongest role `grants` give, if any gives one.
fn granted_role(grants: &[Grant]) -> Option<Role> {
    if grants.contains(&Grant::Admin) {
        Some(Role::Admin)
    } else if grants.contains(&Grant::BillingManager) {
        Some(Role::BillingManager)
    } else {
        None
    }
}

/// The role and seat a member moves to when what its directory user's
/// groups grant goes from `before` to `after`, or its `active` flag changes.
/// Only what groups grant, or stop granting, moves: a role or a seat given
/// through the API stays until a linked group takes it over, so putting an
/// admin in an unlinked group changes nothing. An inactive user holds no
/// seat.
pub fn transition(
    current: (Role, bool),
    before: &[Grant],
    after: &[Grant],
    active: bool,
) -> (Role, bool) {
    let role = match (granted_role(before), granted_role(after)) {
        (_, Some(role)) => role,
        (Some(_), None) => Role::Member,
        (None, None) => current.0,
    };
    let seat = active
        && match (before.contains(&Grant::Seat), after.contains(&Grant::Seat)) {
            (_, true) => true,
            (true, false) => false,
            (false, false) => current.1,
        };
    (role, seat)
}

/// A weak entity tag of a resource version (`W/"3"`).
pub fn etag(version: u64) -> String {
    format!("W/\"{version}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_bumps_the_version_and_keeps_the_creation_time() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let later = t0 + chrono::Duration::minutes(5);
        let meta = Meta::new(t0, 1).changed(later);
        assert_eq!((meta.created, meta.modified, meta.version), (t0, later, 2));
        assert!(!meta.refuses(None));
        assert!(!meta.refuses(Some(2)));
        assert!(meta.refuses(Some(1)));
    }

    fn user(user_name: &str, emails: &[(&str, Option<&str>, bool)]) -> UserFields {
        UserFields {
            user_name: user_name.into(),
            external_id: None,
            display_name: None,
            name: None,
            emails: emails
                .iter()
                .map(|(v, k, p)| DirEmail {
                    value: (*v).into(),
                    kind: k.map(Into::into),
                    primary: *p,
                })
                .collect(),
            active: Some(true),
        }
    }

    #[test]
    fn the_binding_address_is_the_primary_then_work_then_first_email_then_the_user_name() {
        let both = [
            ("home@example.com", Some("home"), false),
            ("work@example.com", Some("work"), false),
        ];
        assert_eq!(
            user("x", &both).binding_email().unwrap().as_str(),
            "work@example.com"
        );
        let primary = [
            ("work@example.com", Some("work"), false),
            ("main@example.com", None, true),
        ];
        assert_eq!(
            user("x", &primary).binding_email().unwrap().as_str(),
            "main@example.com"
        );
        assert_eq!(
            user("Bob@Example.com", &[])
                .binding_email()
                .unwrap()
                .as_str(),
            "bob@example.com"
        );
        assert!(user("bob", &[]).binding_email().is_err());
    }

    #[test]
    fn the_strongest_granted_role_wins_and_a_seat_needs_an_active_user() {
        use Grant::*;
        let member = (Role::Member, false);
        assert_eq!(
            transition(member, &[], &[Seat, BillingManager], true),
            (Role::BillingManager, true)
        );
        assert_eq!(
            transition(member, &[], &[BillingManager, Admin], true),
            (Role::Admin, false)
        );
        assert_eq!(
            transition(member, &[], &[Seat], false),
            (Role::Member, false)
        );
        assert_eq!(
            transition((Role::Member, true), &[Seat], &[Seat], false),
            (Role::Member, false),
            "deactivated: the seat goes"
        );
    }

    #[test]
    fn only_what_groups_grant_or_stop_granting_moves() {
        use Grant::*;
        let api_admin = (Role::Admin, true);
        assert_eq!(
            transition(api_admin, &[], &[], true),
            api_admin,
            "an unlinked group changes nothing"
        );
        assert_eq!(
            transition(api_admin, &[Admin], &[], true),
            (Role::Member, true)
        );
        assert_eq!(
            transition(api_admin, &[Seat], &[], true),
            (Role::Admin, false)
        );
        assert_eq!(
            transition(
                (Role::BillingManager, false),
                &[Admin],
                &[BillingManager],
                true
            ),
            (Role::BillingManager, false)
        );
    }

    #[test]
    fn placeholders_are_recognized_and_grants_parse_their_names() {
        let id = placeholder_id("0192f0c8-0000-7000-8000-000000000001").unwrap();
        assert!(is_placeholder(&id));
        assert_eq!(
            directory_id_of(&id),
            Some("0192f0c8-0000-7000-8000-000000000001")
        );
        assert!(!is_placeholder(&UserId::parse("auth0|x").unwrap()));
        for g in [Grant::Admin, Grant::BillingManager, Grant::Seat] {
            assert_eq!(Grant::parse(g.as_str()).unwrap(), g);
        }
        assert!(Grant::parse("owner").is_err());
    }
}
