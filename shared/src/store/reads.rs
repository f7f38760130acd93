//! Typed batch reads: name the items an operation needs (the org, members,
//! invitations, tokens...), get them back decoded in one strongly consistent
//! `BatchGetItem` per 100 keys. Missing items are simply absent.

use super::attrs::{get_s, key};
use super::keys::{Kind, kind_of};
use super::{Item, Store, StoreError, invitations, members, orgs, quotas, tokens};
use crate::domain::{AccessToken, Email, Invitation, Member, Org, OrgSlug, UserId};

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

    pub fn token(self, org: &OrgSlug, id: &str) -> Self {
        self.add(tokens::token_key(org, id))
    }

    /// An abuse-limit counter ([`super::quotas`]).
    pub fn quota(self, counter: Item) -> Self {
        self.add(counter)
    }
}

/// What a [`Reads`] found, decoded.
#[derive(Debug, Default, Clone)]
pub struct Found {
    pub orgs: Vec<Org>,
    pub members: Vec<Member>,
    /// Emails that are members (from the email index items).
    pub member_emails: Vec<Email>,
    pub invitations: Vec<Invitation>,
    pub tokens: Vec<AccessToken>,
    /// Abuse-limit counters found: (key, count).
    pub quotas: Vec<(Item, i64)>,
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

    pub fn token(&self, id: &str) -> Option<&AccessToken> {
        self.tokens.iter().find(|t| t.id == id)
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
    }

    fn add(&mut self, item: &Item) -> Result<(), StoreError> {
        if get_s(item, "pk")?.starts_with(quotas::PK_PREFIX) {
            let key = key(get_s(item, "pk")?, get_s(item, "sk")?);
            self.quotas.push((key, quotas::used(Some(item))?));
            return Ok(());
        }
        match kind_of(get_s(item, "sk")?) {
            Kind::Org => self.orgs.push(orgs::from_item(item)?),
            Kind::Member => self.members.push(members::from_item(item)?),
            Kind::MemberEmail(email) => self
                .member_emails
                .push(Email::parse(email).map_err(StoreError::corrupt)?),
            Kind::Invitation => self.invitations.push(invitations::from_item(item)?),
            Kind::Token => self.tokens.push(tokens::from_item(item)?),
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
        Ok(found)
    }
}
