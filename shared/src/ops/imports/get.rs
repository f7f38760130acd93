//! `GET /orgs/{org}/imports/{id}`: a job's status and counts, and one page of
//! its per-row outcomes (rows in order, only those processed so far).

use super::chunk::row_result;
use crate::App;
use crate::domain::import::{ImportId, ImportJob, ROWS_PER_CHUNK};
use crate::domain::{Action, OrgSlug};
use crate::ops::invitations::pipeline::RowResult;
use crate::ops::{Caller, Membership, OpError};
use crate::store::{Cursor, Reads, StoreError};

pub struct GetImport {
    pub org: OrgSlug,
    pub id: ImportId,
    /// Rows per page.
    pub limit: usize,
    pub cursor: Option<String>,
}

pub struct ImportPage {
    pub job: ImportJob,
    pub results: Vec<RowResult>,
    /// Where the next page starts; also given while the job is still running
    /// and the page stopped at rows not processed yet.
    pub next_cursor: Option<Cursor>,
}

/// Calls: one, the authorizing read, which also fetches the job and the
/// chunks holding the page's rows.
pub async fn get_import(
    app: &App,
    caller: &Caller,
    input: GetImport,
) -> Result<ImportPage, OpError> {
    let GetImport {
        org,
        id,
        limit,
        cursor,
    } = input;
    let scope = format!("import:{org}:{id}");
    let first_row = match cursor.as_deref() {
        Some(raw) => Cursor::decode_position(raw, &scope).ok_or(OpError::InvalidCursor)?,
        None => 1,
    };
    // The chunks this page can touch ride along with the authorizing read.
    let first_chunk = (first_row - 1) / ROWS_PER_CHUNK;
    let last_chunk = (first_row + limit - 2) / ROWS_PER_CHUNK;
    let reads =
        Reads::new()
            .import_job(&org, &id)
            .import_chunks(&org, &id, first_chunk..=last_chunk);
    let membership = Membership::load(app, &org, caller, reads).await?;
    membership.require(Action::ManageInvitations)?;
    let job = membership
        .found
        .import_jobs
        .first()
        .filter(|job| job.id == id)
        .cloned()
        .ok_or(OpError::ImportNotFound)?;

    let mut results = Vec::new();
    let mut next_row = first_row;
    let mut blocked = false;
    if first_row <= job.rows {
        let last_row = (first_row + limit - 1).min(job.rows);
        let chunks = &membership.found.import_chunks;
        'chunks: for chunk in chunks {
            let Some(words) = &chunk.outcomes else {
                blocked = true;
                break;
            };
            for (i, (row, word)) in chunk.rows.iter().zip(words).enumerate() {
                let number = chunk.first_row() + i;
                if number < next_row {
                    continue;
                }
                if number > last_row {
                    break 'chunks;
                }
                let result = row_result(number, row, word)
                    .ok_or_else(|| StoreError::Corrupt(format!("import outcome {word}")))?;
                results.push(result);
                next_row = number + 1;
            }
        }
    }
    let more = next_row <= job.rows && !(blocked && job.status.is_finished());
    let next_cursor = more.then(|| Cursor::encode_position(&scope, next_row));
    Ok(ImportPage {
        job,
        results,
        next_cursor,
    })
}
