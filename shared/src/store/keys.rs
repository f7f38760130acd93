//! Key builders: the single place that knows how items are laid out.
//!
//! | item | pk | sk | gsi1 (pk / sk) | gsi2 (pk / sk) |
//! |---|---|---|---|---|
//! | org | `ORG#<slug>` | `ORG` | | |
//! | member | `ORG#<slug>` | `MEMBER#<user>` | `USER#<user>` / `ORG#<slug>` | |
//! | member email | `ORG#<slug>` | `MEMBEREMAIL#<email>` | | |
//! | invitation | `ORG#<slug>` | `INV#<email>` | `ORG#<slug>#INV` / `<expires>#<id>` | `DUE#INV#<shard>` / `<ttl>#...` |
//! | outbox | `OUTBOX#<id>` | `OUTBOX#<id>` | | `DUE#OUTBOX#<shard>` / `<next attempt>#<id>` |
//! | audit | `ORG#<slug>` | `AUDIT#<time>#<id>` | | |
//! | token | `ORG#<slug>` | `TOKEN#<id>` | `ORG#<slug>#TOKENS#<user>` / `<created>#<id>` | |
//! | token lookup | `TOKENHASH#<sha256>` | `TOKENHASH` | | |
//! | import job | `ORG#<slug>` | `IMPORT#<id>` | | `DUE#IMPORT#<shard>` / `<stalled at>#<slug>#<id>` (until finished) |
//! | import chunk | `IMPORT#<slug>#<id>` | `ROWS#<chunk>` | | |

use crate::domain::import::ImportId;
use crate::domain::{Email, OrgSlug, UserId};

pub const GSI1: &str = "gsi1";
pub const GSI2: &str = "gsi2";

/// Sweep-index partitions are sharded so that a bulk upload never writes
/// thousands of entries under one index key.
pub const DUE_SHARDS: u32 = 4;

pub fn org_pk(org: &OrgSlug) -> String {
    format!("ORG#{org}")
}
pub const ORG_SK: &str = "ORG";

pub fn member_sk(user: &UserId) -> String {
    format!("MEMBER#{user}")
}
pub const MEMBER_PREFIX: &str = "MEMBER#";

pub fn member_email_sk(email: &Email) -> String {
    format!("MEMBEREMAIL#{email}")
}

pub fn user_gsi1pk(user: &UserId) -> String {
    format!("USER#{user}")
}

pub fn invitation_sk(email: &Email) -> String {
    format!("INV#{email}")
}

pub fn invitations_gsi1pk(org: &OrgSlug) -> String {
    format!("ORG#{org}#INV")
}

pub fn outbox_key(id: &str) -> String {
    format!("OUTBOX#{id}")
}

pub fn audit_sk_prefix() -> &'static str {
    "AUDIT#"
}

pub fn token_sk(id: &str) -> String {
    format!("TOKEN#{id}")
}

pub fn tokens_gsi1pk(org: &OrgSlug, user: &UserId) -> String {
    format!("ORG#{org}#TOKENS#{user}")
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

pub fn due_gsi2pk(kind: &str, shard: u32) -> String {
    format!("DUE#{kind}#{shard}")
}

/// A stable shard for an id, spreading index writes.
pub fn shard_of(id: &str) -> u32 {
    id.bytes()
        .fold(0u32, |acc, b| acc.wrapping_mul(31).wrapping_add(b.into()))
        % DUE_SHARDS
}
