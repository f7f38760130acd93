//! Key builders: the single place that knows how items are laid out.
//!
//! | item | pk | sk | gsi1 (pk / sk) | gsi2 (pk / sk) |
//! |---|---|---|---|---|
//! | org | `ORG#<slug>` | `ORG` | | `DUE#DIGEST#<shard>` / `<next digest>#<slug>` (while its expiry digest is on) |
//! | member | `ORG#<slug>` | `MEMBER#<user>` | `USER#<user>` / `ORG#<slug>` | |
//! | member email | `ORG#<slug>` | `MEMBEREMAIL#<email>` | | |
//! | invitation | `ORG#<slug>` | `INV#<email>` | `ORG#<slug>#INV` / `<expires>#<id>` | `DUE#REMIND#<shard>` / `<remind at>#...`, then `DUE#EXPIRE#<shard>` / `<expires>#...`, then `DUE#INV#<shard>` / `<ttl>#...` |
//! | revoked invitation (until its mail cooldown ends) | `ORG#<slug>` | `INV#<email>` | | |
//! | outbox | `OUTBOX#<id>` | `OUTBOX#<id>` | | `DUE#OUTBOX#<shard>` / `<next attempt>#<id>` |
//! | audit | `ORG#<slug>` | `AUDIT#<time>#<id>` | | |
//! | event (30 days) | `EVENTS#<slug>` | `EVENT#<position>` | | |
//! | webhook endpoint | `ORG#<slug>` | `WEBHOOK#<id>` | | |
//! | webhook delivery (30 days) | `WEBHOOK#<slug>#<endpoint>` | `DLV#<event position>` | | `DUE#WEBHOOK#<shard>` / `<next attempt>#...` (while a retry waits) |
//! | token | `ORG#<slug>` | `TOKEN#<id>` | `ORG#<slug>#TOKENS#<user>` / `<created>#<id>` | |
//! | token lookup | `TOKENHASH#<sha256>` | `TOKENHASH` | | |
//! | API key | `ORG#<slug>` | `APIKEY#<id>` | | |
//! | API key lookup | `KEYHASH#<sha256>` | `KEYHASH` | | |
//! | import job | `ORG#<slug>` | `IMPORT#<id>` | | `DUE#IMPORT#<shard>` / `<stalled at>#<slug>#<id>` (until finished) |
//! | suppression | `ORG#<slug>` | `SUPPRESSED#<email>` | | |
//! | complaint cleared (for the clearing interval) | `ORG#<slug>` | `CLEARED#<email>` | | |
//! | import chunk | `IMPORT#<slug>#<id>` | `ROWS#<chunk>` | | |
//! | provisioned member (until the person joins) | `ORG#<slug>` | `MEMBER#directory:<id>` | `PROVISIONED#<email>` / `ORG#<slug>` | |
//! | directory user | `ORG#<slug>` | `DIRUSER#<id>` | | |
//! | directory user name (unique, lower-cased) | `ORG#<slug>` | `DIRNAME#<name>` | | |
//! | directory group | `ORG#<slug>` | `DIRGROUP#<id>` | | |

use crate::domain::import::ImportId;
use crate::domain::{Email, OrgSlug, UserId};

pub const GSI1: &str = "gsi1";
pub const GSI2: &str = "gsi2";

/// Sweep-index partitions are sharded so that a bulk upload never writes
/// thousands of entries under one index key.
pub const DUE_SHARDS: u32 = 4;

pub const ORG_SK: &str = "ORG";
pub const MEMBER_PREFIX: &str = "MEMBER#";
pub const MEMBER_EMAIL_PREFIX: &str = "MEMBEREMAIL#";
pub const INVITATION_PREFIX: &str = "INV#";
pub const TOKEN_PREFIX: &str = "TOKEN#";
pub const API_KEY_PREFIX: &str = "APIKEY#";
pub const KEY_HASH_SK: &str = "KEYHASH";
pub const OUTBOX_PREFIX: &str = "OUTBOX#";
pub const AUDIT_PREFIX: &str = "AUDIT#";
pub const SUPPRESSION_PREFIX: &str = "SUPPRESSED#";
pub const COMPLAINT_CLEARED_PREFIX: &str = "CLEARED#";
pub const DIR_USER_PREFIX: &str = "DIRUSER#";
pub const DIR_NAME_PREFIX: &str = "DIRNAME#";
pub const DIR_GROUP_PREFIX: &str = "DIRGROUP#";
pub const EVENT_PREFIX: &str = "EVENT#";
pub const WEBHOOK_PREFIX: &str = "WEBHOOK#";
pub const DELIVERY_PREFIX: &str = "DLV#";

/// An org's events feed lives in a partition of its own, apart from the
/// org's (so publishing a bulk invite's events adds no writes there).
pub fn events_pk(org: &OrgSlug) -> String {
    format!("EVENTS#{org}")
}

pub fn event_sk(position: &str) -> String {
    format!("{EVENT_PREFIX}{position}")
}

pub fn webhook_sk(id: &str) -> String {
    format!("{WEBHOOK_PREFIX}{id}")
}

/// An endpoint's deliveries live in a partition of their own, apart from
/// the org's (and so on a stream shard apart from other endpoints').
pub fn deliveries_pk(org: &OrgSlug, endpoint: &str) -> String {
    format!("WEBHOOK#{org}#{endpoint}")
}

pub fn delivery_sk(position: &str) -> String {
    format!("{DELIVERY_PREFIX}{position}")
}

/// Where a person finds the orgs that provisioned them before they joined.
pub fn provisioned_gsi1pk(email: &Email) -> String {
    format!("PROVISIONED#{email}")
}

pub fn org_pk(org: &OrgSlug) -> String {
    format!("ORG#{org}")
}

pub fn member_sk(user: &UserId) -> String {
    format!("{MEMBER_PREFIX}{user}")
}

pub fn member_email_sk(email: &Email) -> String {
    format!("{MEMBER_EMAIL_PREFIX}{email}")
}

pub fn user_gsi1pk(user: &UserId) -> String {
    format!("USER#{user}")
}

pub fn invitation_sk(email: &Email) -> String {
    format!("{INVITATION_PREFIX}{email}")
}

pub fn suppression_sk(email: &Email) -> String {
    format!("{SUPPRESSION_PREFIX}{email}")
}

pub fn complaint_cleared_sk(email: &Email) -> String {
    format!("{COMPLAINT_CLEARED_PREFIX}{email}")
}

pub fn invitations_gsi1pk(org: &OrgSlug) -> String {
    format!("ORG#{org}#INV")
}

pub fn outbox_key(id: &str) -> String {
    format!("{OUTBOX_PREFIX}{id}")
}

pub fn audit_sk(at: &str, id: &str) -> String {
    format!("{AUDIT_PREFIX}{at}#{id}")
}

pub fn token_sk(id: &str) -> String {
    format!("{TOKEN_PREFIX}{id}")
}

pub fn tokens_gsi1pk(org: &OrgSlug, user: &UserId) -> String {
    format!("ORG#{org}#TOKENS#{user}")
}

pub fn api_key_sk(id: &str) -> String {
    format!("{API_KEY_PREFIX}{id}")
}

pub fn key_hash_pk(hash: &str) -> String {
    format!("KEYHASH#{hash}")
}

pub fn token_hash_pk(hash: &str) -> String {
    format!("TOKENHASH#{hash}")
}
pub const TOKEN_HASH_SK: &str = "TOKENHASH";

pub fn import_sk(id: &ImportId) -> String {
    format!("{IMPORT_PREFIX}{id}")
}
pub const IMPORT_PREFIX: &str = "IMPORT#";

/// An import's rows live in a partition of their own, apart from the org's.
pub fn import_rows_pk(org: &OrgSlug, id: &ImportId) -> String {
    format!("IMPORT#{org}#{id}")
}

pub fn import_chunk_sk(chunk: usize) -> String {
    format!("{CHUNK_PREFIX}{chunk:05}")
}
pub const CHUNK_PREFIX: &str = "ROWS#";

/// The due-index partitions: invitations past their TTL, invitations whose
/// invitee is due a reminder, outbox mail to (re)send, import jobs to resume
/// once stalled.
pub const INVITATION_DUE: &str = "INV";
pub const EXPIRY_DUE: &str = "EXPIRE";
pub const DIGEST_DUE: &str = "DIGEST";
pub const REMINDER_DUE: &str = "REMIND";
pub const OUTBOX_DUE: &str = "OUTBOX";
pub const IMPORT_DUE: &str = "IMPORT";
pub const WEBHOOK_DUE: &str = "WEBHOOK";

pub fn due_gsi2pk(kind: &str, shard: u32) -> String {
    format!("DUE#{kind}#{shard}")
}

/// Epoch seconds, zero-padded so that string order is time order in sort keys.
pub fn sortable_epoch(epoch: i64) -> String {
    format!("{:012}", epoch.max(0))
}

/// A time-ordered sort key: `<zero-padded epoch>#<rest>`.
pub fn timed_sk(epoch: i64, rest: &str) -> String {
    format!("{}#{rest}", sortable_epoch(epoch))
}

/// The lowest time-ordered sort key after `epoch`: everything sorting below
/// it is due at or before `epoch`.
pub fn timed_boundary(epoch: i64) -> String {
    format!("{}#", sortable_epoch(epoch + 1))
}

pub fn invitation_due_sk(ttl: i64, org: &OrgSlug, id: &str) -> String {
    timed_sk(ttl, &format!("{org}#{id}"))
}

pub fn token_created_sk(created_millis: i64, id: &str) -> String {
    format!("{created_millis}#{id}")
}

/// What a sort key names, for reading back the items of a mixed batch read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind<'a> {
    Org,
    Member,
    /// The email index item; carries the email.
    MemberEmail(&'a str),
    Invitation,
    Token,
    ApiKey,
    Outbox,
    ImportJob,
    ImportChunk,
    Suppression,
    ComplaintCleared,
    DirUser,
    DirName,
    DirGroup,
    Other,
}

pub fn kind_of(sk: &str) -> Kind<'_> {
    if sk == ORG_SK {
        Kind::Org
    } else if let Some(email) = sk.strip_prefix(MEMBER_EMAIL_PREFIX) {
        Kind::MemberEmail(email)
    } else if sk.starts_with(MEMBER_PREFIX) {
        Kind::Member
    } else if sk.starts_with(INVITATION_PREFIX) {
        Kind::Invitation
    } else if sk.starts_with(TOKEN_PREFIX) {
        Kind::Token
    } else if sk.starts_with(API_KEY_PREFIX) {
        Kind::ApiKey
    } else if sk.starts_with(OUTBOX_PREFIX) {
        Kind::Outbox
    } else if sk.starts_with(IMPORT_PREFIX) {
        Kind::ImportJob
    } else if sk.starts_with(CHUNK_PREFIX) {
        Kind::ImportChunk
    } else if sk.starts_with(SUPPRESSION_PREFIX) {
        Kind::Suppression
    } else if sk.starts_with(COMPLAINT_CLEARED_PREFIX) {
        Kind::ComplaintCleared
    } else if sk.starts_with(DIR_USER_PREFIX) {
        Kind::DirUser
    } else if sk.starts_with(DIR_NAME_PREFIX) {
        Kind::DirName
    } else if sk.starts_with(DIR_GROUP_PREFIX) {
        Kind::DirGroup
    } else {
        Kind::Other
    }
}

/// A stable shard for an id, spreading index writes.
pub fn shard_of(id: &str) -> u32 {
    id.bytes()
        .fold(0u32, |acc, b| acc.wrapping_mul(31).wrapping_add(b.into()))
        % DUE_SHARDS
}
