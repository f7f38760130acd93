//! `GET /orgs/{org}/imports/{id}`: a job's status and counts, and one page of
//! its per-row outcomes (rows in order, only those processed so far).

use super::chunk::row_result;
use crate::App;
use crate::domain::import::{ImportId, ImportJob, ROWS_PER_CHUNK};
use crate::domain::{Action, OrgSlug};
use crate::ops::invitations::pipeline::RowResult;
use crate::ops::{Caller, Membership, OpError};
use crate::store::imports::Chunk;
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
    let membership =
        Membership::authorize(app, &org, caller, reads, Action::ManageInvitations).await?;
    let job = membership
        .found
        .import_jobs
        .first()
        .filter(|job| job.id == id)
        .cloned()
        .ok_or(OpError::ImportNotFound)?;

    let chunks = &membership.found.import_chunks;
    let (results, next_row) = rows_page(&job, chunks, first_row, limit)?;
    let next_cursor = next_row.map(|row| Cursor::encode_position(&scope, row));
    Ok(ImportPage {
        job,
        results,
        next_cursor,
    })
}

/// Up to `limit` processed rows from `first_row` on, out of `chunks` (those
/// holding the page's rows, in order), and the row the next page starts at:
/// also while the job runs and the page stopped at rows not processed yet,
/// never past the last row or after a finished job's last processed chunk.
fn rows_page(
    job: &ImportJob,
    chunks: &[Chunk],
    first_row: usize,
    limit: usize,
) -> Result<(Vec<RowResult>, Option<usize>), StoreError> {
    let mut results = Vec::new();
    let mut next_row = first_row;
    let mut blocked = false;
    if first_row <= job.rows {
        let last_row = (first_row + limit - 1).min(job.rows);
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
    Ok((results, more.then_some(next_row)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::import::{ChunkRow, ImportId, ImportStatus};
    use crate::ops::fixtures::{at, email, slug, user};

    /// A job of two chunks (`ROWS_PER_CHUNK + 3` rows), the first processed.
    fn job(status: ImportStatus) -> (ImportJob, Vec<Chunk>) {
        let rows = ROWS_PER_CHUNK + 3;
        let job = ImportJob {
            org: slug(),
            id: ImportId::new(),
            created_by: user("admin"),
            created_by_email: email("admin"),
            created_by_verified: true,
            created_at: at(0),
            updated_at: at(0),
            finished_at: None,
            status,
            rows,
            chunks: 2,
            next_chunk: 1,
            counts: Default::default(),
            error: None,
        };
        let chunk = |index: usize, n: usize, processed: bool| Chunk {
            index,
            rows: (0..n)
                .map(|i| ChunkRow::Duplicate {
                    shown: format!("row {i}"),
                })
                .collect(),
            outcomes: processed.then(|| vec!["duplicate".to_owned(); n]),
        };
        let chunks = vec![chunk(0, ROWS_PER_CHUNK, true), chunk(1, 3, false)];
        (job, chunks)
    }

    #[test]
    fn a_page_lists_processed_rows_from_its_first_and_says_where_the_next_starts() {
        let (job, chunks) = job(ImportStatus::Running);
        let (rows, next) = rows_page(&job, &chunks, 3, 5).unwrap();
        let numbers: Vec<usize> = rows.iter().map(|r| r.row).collect();
        assert_eq!(numbers, [3, 4, 5, 6, 7]);
        assert_eq!(next, Some(8));
    }

    #[test]
    fn a_page_stops_at_rows_not_processed_yet_and_a_finished_job_ends_there() {
        let (running, chunks) = job(ImportStatus::Running);
        let (rows, next) = rows_page(&running, &chunks, ROWS_PER_CHUNK - 1, 10).unwrap();
        assert_eq!(rows.len(), 2, "the processed chunk's last two rows");
        assert_eq!(next, Some(ROWS_PER_CHUNK + 1), "to come back for");
        let (failed, chunks) = job(ImportStatus::Failed);
        let (_, next) = rows_page(&failed, &chunks, ROWS_PER_CHUNK - 1, 10).unwrap();
        assert_eq!(next, None);
    }
}
