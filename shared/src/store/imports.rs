//! Import jobs and their chunks. The job item sits in the org's partition
//! (listed newest first, read with the authorizing `BatchGetItem`) and, until
//! it finishes, in the sharded `gsi2` due-index where the sweep finds stalled
//! jobs. Its rows live in chunk items of their own partition; a chunk gets its
//! outcomes in the same transaction that writes its invitations and advances
//! the job, under the condition that the job is still at that chunk.
//!
//! The stream wakes the worker on a job item whose new image has `wake =
//! true`: the insert, and a worker's hand-off when its time runs out. Chunk
//! progress sets `wake = false`, so progress alone wakes nobody.

use super::attrs::{
    get_bool, get_n, get_s, get_time, key, n, opt_s, opt_time, parsed, s, time, typed,
};
use super::keys::{
    CHUNK_PREFIX, GSI2, IMPORT_DUE, IMPORT_PREFIX, due_gsi2pk, import_chunk_sk, import_rows_pk,
    import_sk, org_pk, shard_of, sortable_epoch,
};
use super::page::Query;
use super::{Action, Item, Store, StoreError, Transaction};
use crate::domain::import::{
    ChunkRow, ImportId, ImportJob, ImportStatus, RETENTION, ROWS_PER_CHUNK, stalled_at,
};
use crate::domain::{Email, OrgSlug, Role, UserId, echo};
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Job attributes holding a count per outcome word: `count_<outcome>`.
const COUNT_PREFIX: &str = "count_";
/// DynamoDB's limit on items in one `BatchWriteItem`.
const MAX_BATCH_WRITE_ITEMS: usize = 25;

pub fn job_key(org: &OrgSlug, id: &ImportId) -> Item {
    key(org_pk(org), import_sk(id))
}

pub fn chunk_key(org: &OrgSlug, id: &ImportId, chunk: usize) -> Item {
    key(import_rows_pk(org, id), import_chunk_sk(chunk))
}

pub fn is_job_item(item: &Item) -> bool {
    item.get("sk")
        .and_then(|v| v.as_s().ok())
        .is_some_and(|sk| sk.starts_with(IMPORT_PREFIX))
}

fn due_sk(at: DateTime<Utc>, org: &OrgSlug, id: &ImportId) -> String {
    format!("{}#{org}#{id}", sortable_epoch(at.timestamp()))
}

/// A new job, queued, waking the worker through the stream.
pub fn new_job_item(job: &ImportJob) -> Item {
    let mut item = typed(job_key(&job.org, &job.id), "import");
    item.insert("org".into(), s(job.org.as_str()));
    item.insert("id".into(), s(job.id.as_str()));
    item.insert("created_by".into(), s(job.created_by.as_str()));
    item.insert("created_by_email".into(), s(job.created_by_email.as_str()));
    item.insert(
        "created_by_verified".into(),
        AttributeValue::Bool(job.created_by_verified),
    );
    item.insert("created_at".into(), time(job.created_at));
    item.insert("updated_at".into(), time(job.updated_at));
    item.insert("status".into(), s(job.status.as_str()));
    item.insert("rows".into(), n(job.rows));
    item.insert("chunks".into(), n(job.chunks));
    item.insert("next_chunk".into(), n(job.next_chunk));
    for (outcome, count) in &job.counts {
        item.insert(format!("{COUNT_PREFIX}{outcome}"), n(count));
    }
    item.insert("wake".into(), AttributeValue::Bool(true));
    item.insert(
        "gsi2pk".into(),
        s(due_gsi2pk(IMPORT_DUE, shard_of(job.id.as_str()))),
    );
    item.insert(
        "gsi2sk".into(),
        s(due_sk(stalled_at(job.created_at), &job.org, &job.id)),
    );
    item.insert("ttl".into(), n((job.created_at + RETENTION).timestamp()));
    item
}

pub fn job_from_item(item: &Item) -> Result<ImportJob, StoreError> {
    let counts = item
        .iter()
        .filter_map(|(name, v)| {
            let outcome = name.strip_prefix(COUNT_PREFIX)?;
            Some((outcome.to_owned(), v.as_n().ok()?.parse().ok()?))
        })
        .collect();
    Ok(ImportJob {
        org: parsed(item, "org", OrgSlug::parse)?,
        id: parsed(item, "id", ImportId::parse)?,
        created_by: parsed(item, "created_by", UserId::parse)?,
        created_by_email: parsed(item, "created_by_email", Email::parse)?,
        // A job stored without the flag is not vouched for.
        created_by_verified: matches!(
            item.get("created_by_verified"),
            Some(AttributeValue::Bool(true))
        ),
        created_at: get_time(item, "created_at")?,
        updated_at: get_time(item, "updated_at")?,
        finished_at: opt_time(item, "finished_at")?,
        status: ImportStatus::parse(get_s(item, "status")?)
            .ok_or_else(|| StoreError::Corrupt("import status".into()))?,
        rows: get_n(item, "rows")?,
        chunks: get_n(item, "chunks")?,
        next_chunk: get_n(item, "next_chunk")?,
        counts,
        error: opt_s(item, "error").map(str::to_owned),
    })
}

/// The storage form of a [`ChunkRow`]: short names, since a chunk holds 48.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredRow {
    #[serde(rename = "e")]
    email: String,
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    role: Option<Role>,
    #[serde(rename = "s", default, skip_serializing_if = "std::ops::Not::not")]
    seat: bool,
    /// `invalid` or `duplicate` when the upload decided the outcome.
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    decided: Option<String>,
    #[serde(rename = "x", default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl From<&ChunkRow> for StoredRow {
    fn from(row: &ChunkRow) -> Self {
        match row {
            ChunkRow::Candidate { email, role, seat } => Self {
                email: email.to_string(),
                role: Some(*role),
                seat: *seat,
                decided: None,
                error: None,
            },
            // Cut as the synchronous answer shows them: a chunk holds 47
            // rows whatever was uploaded, far under the 400 KB item limit.
            ChunkRow::Invalid { shown, reason } => Self {
                email: echo(shown),
                role: None,
                seat: false,
                decided: Some("invalid".into()),
                error: Some(echo(reason)),
            },
            ChunkRow::Duplicate { shown } => Self {
                email: echo(shown),
                role: None,
                seat: false,
                decided: Some("duplicate".into()),
                error: None,
            },
        }
    }
}

impl TryFrom<StoredRow> for ChunkRow {
    type Error = StoreError;

    fn try_from(row: StoredRow) -> Result<Self, StoreError> {
        Ok(match (row.decided.as_deref(), row.role) {
            (Some("invalid"), _) => Self::Invalid {
                shown: row.email,
                reason: row.error.unwrap_or_default(),
            },
            (Some("duplicate"), _) => Self::Duplicate { shown: row.email },
            (None, Some(role)) => Self::Candidate {
                email: Email::parse(&row.email).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                role,
                seat: row.seat,
            },
            _ => return Err(StoreError::Corrupt("import row".into())),
        })
    }
}

/// A chunk as read back: its rows and, once processed, one outcome word per row.
#[derive(Debug, Clone)]
pub struct Chunk {
    pub index: usize,
    pub rows: Vec<ChunkRow>,
    pub outcomes: Option<Vec<String>>,
}

impl Chunk {
    /// The row number (from 1) of this chunk's first row.
    pub fn first_row(&self) -> usize {
        self.index * ROWS_PER_CHUNK + 1
    }
}

pub fn chunk_item(job: &ImportJob, index: usize, rows: &[ChunkRow]) -> Item {
    let stored: Vec<StoredRow> = rows.iter().map(StoredRow::from).collect();
    let mut item = typed(chunk_key(&job.org, &job.id, index), "import_chunk");
    item.insert(
        "rows".into(),
        s(serde_json::to_string(&stored).expect("rows serialize")),
    );
    item.insert("ttl".into(), n((job.created_at + RETENTION).timestamp()));
    item
}

/// The chunk items among `items`, in chunk order.
pub fn chunks_from_items(items: &[Item]) -> Result<Vec<Chunk>, StoreError> {
    let mut chunks = items
        .iter()
        .filter(|item| get_s(item, "sk").is_ok_and(|sk| sk.starts_with(CHUNK_PREFIX)))
        .map(chunk_from_item)
        .collect::<Result<Vec<_>, _>>()?;
    chunks.sort_by_key(|c| c.index);
    Ok(chunks)
}

pub(crate) fn chunk_from_item(item: &Item) -> Result<Chunk, StoreError> {
    let sk = get_s(item, "sk")?;
    let index = sk
        .strip_prefix(CHUNK_PREFIX)
        .and_then(|i| i.parse().ok())
        .ok_or_else(|| StoreError::Corrupt("chunk key".into()))?;
    let stored: Vec<StoredRow> = serde_json::from_str(get_s(item, "rows")?)
        .map_err(|_| StoreError::Corrupt("chunk rows".into()))?;
    let rows = stored
        .into_iter()
        .map(ChunkRow::try_from)
        .collect::<Result<_, _>>()?;
    let outcomes = opt_s(item, "outcomes")
        .map(|raw| {
            serde_json::from_str(raw).map_err(|_| StoreError::Corrupt("chunk outcomes".into()))
        })
        .transpose()?;
    Ok(Chunk {
        index,
        rows,
        outcomes,
    })
}

/// The transaction action that records chunk `index` as processed: the job
/// advances past it (only if it is still at it: a chunk is processed once)
/// and adds the chunk's counts; the last chunk finishes the job.
pub fn progress_action(
    job: &ImportJob,
    index: usize,
    counts: &BTreeMap<&'static str, u64>,
    now: DateTime<Utc>,
) -> Action {
    let last = index + 1 >= job.chunks;
    let mut set = vec![
        "next_chunk = :next",
        "updated_at = :now",
        "wake = :false",
        "#status = :to",
    ];
    if last {
        set.push("finished_at = :now");
    } else {
        set.push("gsi2sk = :due");
    }
    let add: Vec<String> = (0..counts.len()).map(|i| format!("#c{i} :c{i}")).collect();
    let mut expression = format!("SET {}", set.join(", "));
    if !add.is_empty() {
        expression.push_str(&format!(" ADD {}", add.join(", ")));
    }
    if last {
        expression.push_str(" REMOVE gsi2pk, gsi2sk");
    }
    let to = if last {
        ImportStatus::Done
    } else {
        ImportStatus::Running
    };
    let mut action = Action::update(job_key(&job.org, &job.id), expression)
        .when("next_chunk = :k AND #status IN (:queued, :running)")
        .name("#status", "status")
        .value(":k", n(index))
        .value(":next", n(index + 1))
        .value(":now", time(now))
        .value(":queued", s(ImportStatus::Queued.as_str()))
        .value(":running", s(ImportStatus::Running.as_str()))
        .value(":false", AttributeValue::Bool(false))
        .value(":to", s(to.as_str()));
    if !last {
        action = action.value(":due", s(due_sk(stalled_at(now), &job.org, &job.id)));
    }
    for (i, (outcome, count)) in counts.iter().enumerate() {
        action = action
            .name(&format!("#c{i}"), &format!("{COUNT_PREFIX}{outcome}"))
            .value(&format!(":c{i}"), n(count));
    }
    action
}

/// The transaction action that stores a chunk's outcomes, one word per row.
pub fn outcomes_action(job: &ImportJob, index: usize, outcomes: &[&str]) -> Action {
    Action::update(chunk_key(&job.org, &job.id, index), "SET outcomes = :o")
        .when("attribute_exists(pk)")
        .value(
            ":o",
            s(serde_json::to_string(outcomes).expect("outcomes serialize")),
        )
}

/// The new job's item, written with its audit entry.
pub fn create_action(job: &ImportJob) -> Action {
    Action::put_new(new_job_item(job))
}

/// An org's jobs, newest first.
pub fn listing(org: &OrgSlug) -> Query<ImportJob> {
    Query::org_items("imports", org, IMPORT_PREFIX, job_from_item).newest_first()
}

impl Store {
    /// Stores chunk items, 25 per `BatchWriteItem` (retrying what DynamoDB
    /// leaves unprocessed). Nothing points at them until the job item exists.
    pub async fn put_import_chunks(&self, items: Vec<Item>) -> Result<(), StoreError> {
        for batch in items.chunks(MAX_BATCH_WRITE_ITEMS) {
            let mut pending: Vec<WriteRequest> = batch
                .iter()
                .map(|item| {
                    let put = PutRequest::builder()
                        .set_item(Some(item.clone()))
                        .build()
                        .map_err(|e| StoreError::Sdk(Box::new(e)))?;
                    Ok(WriteRequest::builder().put_request(put).build())
                })
                .collect::<Result<_, StoreError>>()?;
            let mut backoff = std::time::Duration::from_millis(20);
            while !pending.is_empty() {
                let out = self
                    .client()
                    .batch_write_item()
                    .request_items(self.table(), pending)
                    .send()
                    .await
                    .map_err(StoreError::from_sdk)?;
                pending = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(self.table()))
                    .unwrap_or_default();
                if !pending.is_empty() {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(std::time::Duration::from_secs(1));
                }
            }
        }
        Ok(())
    }

    pub async fn import_job(
        &self,
        org: &OrgSlug,
        id: &ImportId,
    ) -> Result<Option<ImportJob>, StoreError> {
        self.import_job_item(org, id)
            .await?
            .as_ref()
            .map(job_from_item)
            .transpose()
    }

    /// The job's item as stored (what the stream carries to the worker).
    pub async fn import_job_item(
        &self,
        org: &OrgSlug,
        id: &ImportId,
    ) -> Result<Option<Item>, StoreError> {
        self.get(job_key(org, id)).await
    }

    /// Chunks `from..=to` of a job that exist, in order (strongly
    /// consistent). Their keys are known: one `BatchGetItem` per 100.
    pub async fn import_chunks(
        &self,
        org: &OrgSlug,
        id: &ImportId,
        from: usize,
        to: usize,
    ) -> Result<Vec<Chunk>, StoreError> {
        let keys = (from..=to).map(|i| chunk_key(org, id, i)).collect();
        chunks_from_items(&self.batch_get(keys).await?)
    }

    /// Unfinished jobs of one due-index shard that made no progress since
    /// [`crate::domain::import::STALL_AFTER`] before `now`.
    pub async fn stalled_import_jobs(
        &self,
        shard: u32,
        now: DateTime<Utc>,
        limit: i32,
    ) -> Result<Vec<ImportJob>, StoreError> {
        let out = self
            .client()
            .query()
            .table_name(self.table())
            .index_name(GSI2)
            .key_condition_expression("gsi2pk = :pk AND gsi2sk < :until")
            .expression_attribute_values(":pk", s(due_gsi2pk(IMPORT_DUE, shard)))
            .expression_attribute_values(
                ":until",
                s(format!("{}#", sortable_epoch(now.timestamp() + 1))),
            )
            .limit(limit)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        out.items().iter().map(job_from_item).collect()
    }

    /// A worker out of time hands the job to the next one: the stream wakes
    /// a worker on `wake = true`. No-op on a finished job.
    pub async fn hand_off_import(
        &self,
        job: &ImportJob,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let action = Action::update(
            job_key(&job.org, &job.id),
            "SET wake = :true, updated_at = :now, gsi2sk = :due",
        )
        .value(":true", AttributeValue::Bool(true))
        .value(":now", time(now))
        .value(":due", s(due_sk(stalled_at(now), &job.org, &job.id)));
        self.write_if_unfinished(action).await
    }

    /// Stops a job for good with `error`; the rows processed keep their outcomes.
    pub async fn fail_import(
        &self,
        job: &ImportJob,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let action = Action::update(
            job_key(&job.org, &job.id),
            "SET #status = :failed, #error = :error, updated_at = :now, finished_at = :now, \
             wake = :false REMOVE gsi2pk, gsi2sk",
        )
        .name("#error", "error")
        .value(":failed", s(ImportStatus::Failed.as_str()))
        .value(":error", s(error))
        .value(":now", time(now))
        .value(":false", AttributeValue::Bool(false));
        let action = action
            .when("#status IN (:queued, :running)")
            .name("#status", "status")
            .value(":queued", s(ImportStatus::Queued.as_str()))
            .value(":running", s(ImportStatus::Running.as_str()));
        let counts: BTreeMap<String, u64> = job.counts.clone();
        let finished = finished_entry(job, ImportStatus::Failed, &counts, now);
        let mut tx = Transaction::new();
        tx.push("job", action)
            .push("audit", super::audit::record(&job.org, &finished));
        match self.transact(tx).await {
            Err(err) if err.is_condition_failed() => Ok(()),
            other => other,
        }
    }

    /// Writes `action` to a job still queued or running; a finished job is
    /// left as it is.
    async fn write_if_unfinished(&self, action: Action) -> Result<(), StoreError> {
        let action = action
            .when("#status IN (:queued, :running)")
            .name("#status", "status")
            .value(":queued", s(ImportStatus::Queued.as_str()))
            .value(":running", s(ImportStatus::Running.as_str()));
        match self.write(action).await {
            Err(err) if err.is_condition_failed() => Ok(()),
            other => other,
        }
    }
}

/// The audit entry of a job's end (other systems follow it as
/// `import.finished`), in its creator's name.
pub fn finished_entry(
    job: &ImportJob,
    status: ImportStatus,
    counts: &BTreeMap<String, u64>,
    now: DateTime<Utc>,
) -> crate::domain::AuditEntry {
    crate::domain::AuditEntry {
        at: now,
        actor_id: Some(job.created_by.as_str().to_owned()),
        actor: job.created_by_email.as_str().to_owned(),
        action: "import.finished".into(),
        target: job.id.as_str().to_owned(),
        detail: serde_json::json!({"status": status.as_str(), "rows": job.rows, "counts": counts}),
    }
}

/// Whether a stream record's new image asks for a worker.
pub fn wants_worker(keys: &Item, new_image: &Item) -> bool {
    is_job_item(keys) && get_bool(new_image, "wake").unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> ImportJob {
        // Stored times keep milliseconds.
        let now = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
        ImportJob {
            org: OrgSlug::parse("acme").unwrap(),
            id: ImportId::new(),
            created_by: UserId::parse("u1").unwrap(),
            created_by_email: Email::parse("a@x.com").unwrap(),
            created_by_verified: true,
            created_at: now,
            updated_at: now,
            finished_at: None,
            status: ImportStatus::Queued,
            rows: 3,
            chunks: 1,
            next_chunk: 0,
            counts: BTreeMap::from([("invalid".to_owned(), 0)]),
            error: None,
        }
    }

    #[test]
    fn a_job_round_trips_through_its_item_and_wakes_the_worker() {
        let job = job();
        let item = new_job_item(&job);
        assert_eq!(job_from_item(&item).unwrap(), job);
        assert!(wants_worker(&job_key(&job.org, &job.id), &item));
    }

    #[test]
    fn chunk_rows_round_trip_and_a_full_chunk_of_long_rows_stays_small() {
        let job = job();
        let long = format!(
            "{}@{}.{}.{}.com",
            "a".repeat(60),
            "b".repeat(60),
            "c".repeat(60),
            "d".repeat(60)
        );
        let rows: Vec<ChunkRow> = (0..ROWS_PER_CHUNK)
            .map(|i| match i % 3 {
                0 => ChunkRow::Candidate {
                    email: Email::parse(&format!("{i}{}", &long[2..])).unwrap(),
                    role: Role::BillingManager,
                    seat: true,
                },
                1 => ChunkRow::Invalid {
                    shown: long.repeat(2),
                    reason: "not an email address".into(),
                },
                _ => ChunkRow::Duplicate {
                    shown: long.clone(),
                },
            })
            .collect();
        let item = chunk_item(&job, 7, &rows);
        let chunk = chunk_from_item(&item).unwrap();
        assert_eq!(chunk.index, 7);
        assert_eq!(chunk.first_row(), 7 * ROWS_PER_CHUNK + 1);
        // Invalid and duplicate cells are stored cut, as the answer shows them.
        let stored: Vec<ChunkRow> = rows
            .iter()
            .map(|row| match row {
                ChunkRow::Invalid { shown, reason } => ChunkRow::Invalid {
                    shown: echo(shown),
                    reason: echo(reason),
                },
                ChunkRow::Duplicate { shown } => ChunkRow::Duplicate { shown: echo(shown) },
                candidate => candidate.clone(),
            })
            .collect();
        assert_eq!(chunk.rows, stored);
        assert!(chunk.outcomes.is_none());
        let bytes = get_s(&item, "rows").unwrap().len();
        assert!(bytes < 64 * 1024, "{bytes} bytes");
    }
}
