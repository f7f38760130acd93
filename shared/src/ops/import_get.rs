//! `GET /orgs/{org}/imports/{id}`: a job's status and counts, and one page of
//! its per-row outcomes (rows in order, only those processed so far).

use super::access::start_key;
use super::import_chunk::row_result;
use super::invite_members::RowResult;
use super::{Caller, Membership, OpError};
use crate::App;
use crate::domain::import::{ImportId, ImportJob, ROWS_PER_CHUNK};
use crate::domain::{Action, OrgSlug};
use crate::store::attrs::{get_s, s};
use crate::store::imports::{chunk_key, chunks_from_items, is_job_item, job_from_item, job_key};
use crate::store::{Cursor, Item, StoreError};

pub struct GetImport {
    pub caller: Caller,
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
pub async fn get_import(app: &App, input: GetImport) -> Result<ImportPage, OpError> {
    let GetImport {
        caller,
        org,
        id,
        limit,
        cursor,
    } = input;
    let scope = format!("import:{org}:{id}");
    let start = start_key(cursor.as_deref(), &scope, |name, value| {
        name == "row" && value.parse::<usize>().is_ok_and(|r| r >= 1)
    })?;
    let first_row: usize = match &start {
        Some(key) => get_s(key, "row")
            .ok()
            .and_then(|r| r.parse().ok())
            .ok_or(OpError::InvalidCursor)?,
        None => 1,
    };
    // The chunks this page can touch ride along with the authorizing read.
    let first_chunk = (first_row - 1) / ROWS_PER_CHUNK;
    let last_chunk = (first_row + limit - 2) / ROWS_PER_CHUNK;
    let mut keys = vec![job_key(&org, &id)];
    keys.extend((first_chunk..=last_chunk).map(|i| chunk_key(&org, &id, i)));
    let membership = Membership::load(app, &org, &caller, keys).await?;
    membership.require(Action::ManageInvitations)?;
    let job = membership
        .extra
        .iter()
        .find(|item| is_job_item(item))
        .map(job_from_item)
        .transpose()?
        .ok_or(OpError::ImportNotFound)?;

    let mut results = Vec::new();
    let mut next_row = first_row;
    let mut blocked = false;
    if first_row <= job.rows {
        let last_row = (first_row + limit - 1).min(job.rows);
        let chunks = chunks_from_items(&membership.extra)?;
        'chunks: for chunk in &chunks {
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
    let next_cursor = more.then(|| {
        let key: Item = [("row".to_owned(), s(next_row.to_string()))].into();
        Cursor::encode(&scope, &key)
    });
    Ok(ImportPage {
        job,
        results,
        next_cursor,
    })
}
