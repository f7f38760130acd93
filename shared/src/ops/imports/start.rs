//! Starting an import job (the large form of `POST /orgs/{org}/invitations`):
//! the rows are screened (`invalid` and `duplicate` are decided here, over the
//! whole file), stored in chunk items, then the job item is written with its
//! audit entry in one transaction. The job item's insert wakes the worker.

use crate::App;
use crate::domain::import::{
    ChunkRow, ImportId, ImportJob, ImportStatus, ROWS_PER_CHUNK, chunk_count,
};
use crate::domain::{Action, OrgSlug};
use crate::ops::commit::Audit;
use crate::ops::invitations::pipeline::screen::screen;
use crate::ops::invitations::pipeline::{InviteRow, Outcome, summary};
use crate::ops::{Caller, Membership, OpError};
use crate::store::imports::{chunk_item, create_action};
use crate::store::{Reads, Transaction};
use chrono::{DateTime, Utc};
use serde_json::json;

pub struct StartImport {
    pub org: OrgSlug,
    pub rows: Vec<InviteRow>,
}

/// Calls: one authorizing read, ⌈chunks / 25⌉ `BatchWriteItem`s, one transaction.
pub async fn start_import(
    app: &App,
    caller: &Caller,
    input: StartImport,
) -> Result<ImportJob, OpError> {
    // The job mails every row in the caller's name: the same rule as one invite.
    caller.require_verified()?;
    crate::ops::invitations::pipeline::no_admin_invited_by_key(caller, &input.rows)?;
    let StartImport { org, rows } = input;
    let membership =
        Membership::authorize(app, &org, caller, Reads::new(), Action::ManageInvitations).await?;

    let chunk_rows = chunk_rows(rows);
    let job = new_job(caller, &membership, chunk_rows.len(), app.now());
    let items = chunk_rows
        .chunks(ROWS_PER_CHUNK)
        .enumerate()
        .map(|(i, rows)| chunk_item(&job, i, rows))
        .collect();
    app.store.put_import_chunks(items).await?;

    let mut tx = Transaction::new();
    tx.push("import", create_action(&job));
    let audit = Audit::new(
        "import.created",
        job.id.as_str(),
        json!({"rows": job.rows, "chunks": job.chunks}),
    );
    membership.commit(app, tx, audit).await??;
    Ok(job)
}

/// Every row as a job stores it: `invalid` and `duplicate` decided over the
/// whole file, the rest candidates for the worker to decide.
fn chunk_rows(rows: Vec<InviteRow>) -> Vec<ChunkRow> {
    let (results, candidates) = screen(rows);
    let mut chunk_rows: Vec<ChunkRow> = results
        .into_iter()
        .map(|r| match r.outcome {
            Outcome::Invalid(reason) => ChunkRow::Invalid {
                shown: r.email,
                reason,
            },
            // Candidates carry a placeholder here; they are replaced below.
            _ => ChunkRow::Duplicate { shown: r.email },
        })
        .collect();
    for c in candidates {
        chunk_rows[c.index] = ChunkRow::Candidate {
            email: c.email,
            role: c.role,
            seat: c.seat,
        };
    }
    chunk_rows
}

/// A queued job of `rows` rows, started by `caller` as `membership`.
fn new_job(caller: &Caller, membership: &Membership, rows: usize, now: DateTime<Utc>) -> ImportJob {
    ImportJob {
        org: membership.org.slug.clone(),
        id: ImportId::new(),
        created_by: caller.user_id.clone(),
        // The membership's email, not the claim (as every audit entry).
        created_by_email: membership.caller.email.clone(),
        created_by_verified: caller.email_verified,
        created_at: now,
        updated_at: now,
        finished_at: None,
        status: ImportStatus::Queued,
        rows,
        chunks: chunk_count(rows),
        next_chunk: 0,
        counts: summary(&[])
            .into_keys()
            .map(|k| (k.to_owned(), 0))
            .collect(),
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;
    use crate::ops::fixtures::email;

    #[test]
    fn a_job_stores_invalid_and_repeated_rows_settled_and_the_rest_as_candidates() {
        let row = |raw: &str| InviteRow {
            email: raw.into(),
            role: Ok(Role::Admin),
            seat: Ok(true),
        };
        let stored = chunk_rows(vec![
            row("bob@example.com"),
            row("nope"),
            row("BOB@example.com"),
        ]);
        assert_eq!(
            stored[0],
            ChunkRow::Candidate {
                email: email("bob"),
                role: Role::Admin,
                seat: true
            }
        );
        assert!(matches!(&stored[1], ChunkRow::Invalid { shown, .. } if shown == "nope"));
        assert_eq!(
            stored[2],
            ChunkRow::Duplicate {
                shown: "BOB@example.com".into()
            }
        );
    }
}
