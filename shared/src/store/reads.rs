//! Typed batch reads: name the items an operation needs (the org, members,
//! invitations, tokens...), get them back decoded in one strongly consistent
//! `BatchGetItem` per 100 keys. Missing items are simply absent.

use super::attrs::{get_s, key, parsed};
use super::keys::{Kind, kind_of};
use super::{
    Item, Store, StoreError, api_keys, directory, imports, invitations, members, orgs, quotas,
    suppressions, tokens,
};
use crate::domain::directory::{DirGroup, DirUser};
use crate::domain::import::{ImportId, ImportJob};
use crate::domain::{
    AccessToken, ApiKey, Email, Invitation, Member, Org, OrgSlug, Suppression, UserId,
};
use chrono::{DateTime, Utc};
use std::ops::RangeInclusive;

/// The keys to read, without duplicates (DynamoDB refuses them).
#[derive(Debug, Default, Clone)]
pub struct Reads {
    keys: Vec<Item>,
}

impl Reads {
    pub fn new() -> Self {
        Self::default()
    }

    fn add(mut self, key: Item) -> Self {
        if !self.keys.contains(&key) {
            self.keys.push(key);
        }
        self
    }

    pub fn org(self, org: &OrgSlug) -> Self {
        self.add(orgs::org_key(org))
    }

    pub fn member(self, org: &OrgSlug, user: &UserId) -> Self {
        self.add(members::member_key(org, user))
    }

    /// Whether `email` is a member of `org` (the email index item).
    pub fn member_email(self, org: &OrgSlug, email: &Email) -> Self {
        self.add(members::member_email_key(org, email))
    }

    pub fn invitation(self, org: &OrgSlug, email: &Email) -> Self {
        self.add(invitations::invitation_key(org, email))
    }

    /// Whether `email` is suppressed in `org`.
    pub fn suppression(self, org: &OrgSlug, email: &Email) -> Self {
        self.add(suppressions::suppression_key(org, email))
    }

    /// Whether a complaint about `email` was cleared lately in `org`.
    pub fn complaint_cleared(self, org: &OrgSlug, email: &Email) -> Self {
        self.add(suppressions::complaint_cleared_key(org, email))
    }

    pub fn token(self, org: &OrgSlug, id: &str) -> Self {
        self.add(tokens::ITEMS.key(org, id))
    }

    pub fn api_key(self, org: &OrgSlug, id: &str) -> Self {
        self.add(api_keys::ITEMS.key(org, id))
    }

    pub fn import_job(self, org: &OrgSlug, id: &ImportId) -> Self {
        self.add(imports::job_key(org, id))
    }

    /// Chunks `chunks` of an import (those that exist come back).
    pub fn import_chunks(
        self,
        org: &OrgSlug,
        id: &ImportId,
        chunks: RangeInclusive<usize>,
    ) -> Self {
        chunks.fold(self, |reads, i| reads.add(imports::chunk_key(org, id, i)))
    }

    /// An abuse-limit counter ([`super::quotas`]).
    pub fn quota(self, counter: Item) -> Self {
        self.add(counter)
    }

    pub fn dir_user(self, org: &OrgSlug, id: &str) -> Self {
        self.add(directory::user_key(org, id))
    }

    /// Which directory user has this (lower-cased) user name.
    pub fn dir_name(self, org: &OrgSlug, user_name_key: &str) -> Self {
        self.add(directory::name_key(org, user_name_key))
    }

    pub fn dir_group(self, org: &OrgSlug, id: &str) -> Self {
        self.add(directory::group_key(org, id))
    }
}

/// What a [`Reads`] found, decoded.
#[derive(Debug, Default, Clone)]
pub struct Found {
    pub orgs: Vec<Org>,
    pub members: Vec<Member>,
    /// Emails that are members (from the email index items), with the
    /// member each names.
    pub member_emails: Vec<(Email, UserId)>,
    pub invitations: Vec<Invitation>,
    pub tokens: Vec<AccessToken>,
    pub api_keys: Vec<ApiKey>,
    pub import_jobs: Vec<ImportJob>,
    /// In chunk order once read (see [`Store::read`]).
    pub import_chunks: Vec<imports::Chunk>,
    /// Abuse-limit counters found: (key, count).
    pub quotas: Vec<(Item, i64)>,
    pub suppressions: Vec<Suppression>,
    /// Revoked invitations still in their mail cooldown: (address, its end).
    /// Read with [`Reads::invitation`].
    pub revoked: Vec<(Email, DateTime<Utc>)>,
    /// Complaints cleared lately: (address, when the next one may be).
    pub complaint_clears: Vec<(Email, DateTime<Utc>)>,
    /// When the members read were last mailed about a seat, for those ever
    /// mailed.
    pub seat_mails: Vec<(UserId, DateTime<Utc>)>,
    pub dir_users: Vec<DirUser>,
    /// Directory user names found: (lower-cased name, user id).
    pub dir_names: Vec<(String, String)>,
    pub dir_groups: Vec<DirGroup>,
}

impl Found {
    pub fn org(&self, slug: &OrgSlug) -> Option<&Org> {
        self.orgs.iter().find(|o| o.slug == *slug)
    }

    pub fn member(&self, user: &UserId) -> Option<&Member> {
        self.members.iter().find(|m| m.user_id == *user)
    }

    pub fn invitation(&self, email: &Email) -> Option<&Invitation> {
        self.invitations.iter().find(|i| i.email == *email)
    }

    pub fn suppression(&self, email: &Email) -> Option<&Suppression> {
        self.suppressions.iter().find(|s| s.email == *email)
    }

    /// The end of the mail cooldown a revoke left for `email`, if any.
    pub fn revoked(&self, email: &Email) -> Option<DateTime<Utc>> {
        self.revoked
            .iter()
            .find(|(e, _)| e == email)
            .map(|(_, t)| *t)
    }

    /// Until when a complaint about `email` cannot be cleared, if it was lately.
    pub fn complaint_cleared(&self, email: &Email) -> Option<DateTime<Utc>> {
        self.complaint_clears
            .iter()
            .find(|(e, _)| e == email)
            .map(|(_, t)| *t)
    }

    /// When `user` was last mailed about a seat.
    pub fn seat_mailed_at(&self, user: &UserId) -> Option<DateTime<Utc>> {
        self.seat_mails
            .iter()
            .find(|(u, _)| u == user)
            .map(|(_, t)| *t)
    }

    /// The member whose email index item for `email` was read.
    pub fn member_id_by_email(&self, email: &Email) -> Option<&UserId> {
        self.member_emails
            .iter()
            .find(|(e, _)| e == email)
            .map(|(_, u)| u)
    }

    pub fn dir_user(&self, id: &str) -> Option<&DirUser> {
        self.dir_users.iter().find(|u| u.id == id)
    }

    /// The id of the directory user named `user_name_key`, if read and taken.
    pub fn dir_name(&self, user_name_key: &str) -> Option<&str> {
        self.dir_names
            .iter()
            .find(|(n, _)| n == user_name_key)
            .map(|(_, id)| id.as_str())
    }

    pub fn dir_group(&self, id: &str) -> Option<&DirGroup> {
        self.dir_groups.iter().find(|g| g.id == id)
    }

    pub fn api_key(&self, id: &str) -> Option<&ApiKey> {
        self.api_keys.iter().find(|k| k.credential.id == id)
    }

    pub fn token(&self, id: &str) -> Option<&AccessToken> {
        self.tokens.iter().find(|t| t.credential.id == id)
    }

    /// The count of a limit counter (0 when it was never moved).
    pub fn quota_used(&self, counter: &Item) -> i64 {
        self.quotas
            .iter()
            .find(|(key, _)| quotas::is(key, counter))
            .map_or(0, |(_, used)| *used)
    }

    pub fn extend(&mut self, other: Found) {
        self.quotas.extend(other.quotas);
        self.orgs.extend(other.orgs);
        self.members.extend(other.members);
        self.member_emails.extend(other.member_emails);
        self.invitations.extend(other.invitations);
        self.tokens.extend(other.tokens);
        self.api_keys.extend(other.api_keys);
        self.import_jobs.extend(other.import_jobs);
        self.import_chunks.extend(other.import_chunks);
        self.suppressions.extend(other.suppressions);
        self.revoked.extend(other.revoked);
        self.complaint_clears.extend(other.complaint_clears);
        self.seat_mails.extend(other.seat_mails);
        self.dir_users.extend(other.dir_users);
        self.dir_names.extend(other.dir_names);
        self.dir_groups.extend(other.dir_groups);
    }

    fn add(&mut self, item: &Item) -> Result<(), StoreError> {
        if get_s(item, "pk")?.starts_with(quotas::PK_PREFIX) {
            let key = key(get_s(item, "pk")?, get_s(item, "sk")?);
            self.quotas.push((key, quotas::used(Some(item))?));
            return Ok(());
        }
        match kind_of(get_s(item, "sk")?) {
            Kind::Org => self.orgs.push(orgs::from_item(item)?),
            Kind::Member => {
                let member = members::from_item(item)?;
                if let Some(at) = members::seat_mailed_at(item)? {
                    self.seat_mails.push((member.user_id.clone(), at));
                }
                self.members.push(member);
            }
            Kind::MemberEmail(email) => {
                let email = Email::from_stored(email).map_err(StoreError::corrupt)?;
                let user = parsed(item, "user_id", UserId::parse)?;
                self.member_emails.push((email, user));
            }
            Kind::DirUser => self.dir_users.push(directory::user_from_item(item)?),
            Kind::DirName => self.dir_names.push(directory::name_from_item(item)?),
            Kind::DirGroup => self.dir_groups.push(directory::group_from_item(item)?),
            Kind::Invitation if invitations::is_revoked_marker(item) => {
                self.revoked.push(invitations::revoked_from_item(item)?);
            }
            Kind::Invitation => self.invitations.push(invitations::from_item(item)?),
            Kind::Token => self.tokens.push(tokens::from_item(item)?),
            Kind::ApiKey => self.api_keys.push(api_keys::from_item(item)?),
            Kind::ImportJob => self.import_jobs.push(imports::job_from_item(item)?),
            Kind::ImportChunk => self.import_chunks.push(imports::chunk_from_item(item)?),
            Kind::Suppression => self.suppressions.push(suppressions::from_item(item)?),
            Kind::ComplaintCleared => self
                .complaint_clears
                .push(suppressions::complaint_cleared_from_item(item)?),
            Kind::Outbox | Kind::Other => {
                return Err(StoreError::Corrupt(
                    "unexpected item in a batch read".into(),
                ));
            }
        }
        Ok(())
    }
}

impl Store {
    pub async fn read(&self, reads: Reads) -> Result<Found, StoreError> {
        let mut found = Found::default();
        for item in self.batch_get(reads.keys).await? {
            found.add(&item)?;
        }
        found.import_chunks.sort_by_key(|c| c.index);
        Ok(found)
    }
}
