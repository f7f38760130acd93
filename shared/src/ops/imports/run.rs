//! Running an import job: chunk after chunk from where it stopped, paced to
//! the job's share of the org partition's write throughput and slowing down
//! when DynamoDB throttles, until the job is done, fails for good, or the
//! worker's time is up (it then hands the job to the next worker). The
//! sweep's backstop, [`resume_stalled`], runs the jobs whose worker vanished.

use super::chunk::{ChunkDone, ChunkError, process_chunk};
use crate::App;
use crate::domain::OrgSlug;
use crate::domain::import::{ImportId, ImportJob, ImportStatus, Pacer};
use crate::ops::OpError;
use crate::store::imports::Chunk;
use crate::store::keys::DUE_SHARDS;
use std::time::{Duration, Instant};

/// Chunks read per query: about one second of work at the default pace.
const READ_AHEAD: usize = 8;
/// Throttled attempts of one chunk before the worker gives the job back
/// (the stream retries it, or the sweep resumes it later).
const MAX_THROTTLED_IN_A_ROW: u32 = 8;

pub struct RunImport {
    pub org: OrgSlug,
    pub id: ImportId,
    /// When this worker must stop starting chunks.
    pub deadline: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// The job is finished (`done` or `failed`), now or earlier.
    Finished(ImportStatus),
    /// Time ran out; the job was handed to the next worker.
    HandedOff,
    /// Another worker is processing the job.
    Superseded,
    /// No such job (expired and removed).
    Gone,
}

/// What a run did, for logs and benchmarks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub outcome: RunOutcome,
    pub chunks: usize,
    pub throttled: u32,
}

pub async fn run_import(app: &App, input: RunImport) -> Result<RunReport, OpError> {
    let RunImport { org, id, deadline } = input;
    let report = RunReport {
        outcome: RunOutcome::Gone,
        chunks: 0,
        throttled: 0,
    };
    let Some(job) = app.store.import_job(&org, &id).await? else {
        return Ok(report);
    };
    let mut run = Run {
        app,
        job,
        pacer: Pacer::new(app.config.import_write_units_per_second),
        report,
        deadline,
    };
    run.report.outcome = run.until_stopped().await?;
    Ok(run.report)
}

/// One worker's run of a job.
struct Run<'a> {
    app: &'a App,
    job: ImportJob,
    pacer: Pacer,
    report: RunReport,
    deadline: Instant,
}

impl Run<'_> {
    /// Runs chunk after chunk, [`READ_AHEAD`] read at a time, until the job
    /// is finished or the run stops.
    async fn until_stopped(&mut self) -> Result<RunOutcome, OpError> {
        let (app, org, id) = (self.app, self.job.org.clone(), self.job.id.clone());
        while !self.job.status.is_finished() && self.job.next_chunk < self.job.chunks {
            let next = self.job.next_chunk;
            let last = (next + READ_AHEAD).min(self.job.chunks) - 1;
            let chunks = app.store.import_chunks(&org, &id, next, last).await?;
            if chunks.first().map(|c| c.index) != Some(next) {
                return self.fail("the import's rows are missing").await;
            }
            for chunk in chunks {
                if chunk.index != self.job.next_chunk {
                    break;
                }
                // At least one chunk per run, so that hand-offs always make progress.
                if self.report.chunks > 0 && Instant::now() >= self.deadline {
                    app.store.hand_off_import(&self.job, app.now()).await?;
                    return Ok(RunOutcome::HandedOff);
                }
                if let Some(stopped) = self.process(&chunk).await? {
                    return Ok(stopped);
                }
            }
        }
        Ok(RunOutcome::Finished(self.job.status))
    }

    /// Processes `chunk` until it commits, then waits as the pacer says;
    /// `Some` when the run stops instead.
    async fn process(&mut self, chunk: &Chunk) -> Result<Option<RunOutcome>, OpError> {
        loop {
            let started = Instant::now();
            match process_chunk(self.app, &self.job, chunk).await {
                Ok(done) => {
                    advance(&mut self.job, &done);
                    self.report.chunks += 1;
                    let wait = self.pacer.after_write(done.write_units, started.elapsed());
                    if !self.job.status.is_finished() {
                        tokio::time::sleep(wait).await;
                    }
                    return Ok(None);
                }
                Err(ChunkError::AlreadyDone) => return Ok(Some(RunOutcome::Superseded)),
                // Re-read the counters and run the chunk again.
                Err(ChunkError::LimitRaced) => {}
                Err(ChunkError::Forbidden) => {
                    let why = "the admin who started the import may no longer invite";
                    return self.fail(why).await.map(Some);
                }
                Err(ChunkError::Unverified) => {
                    let why = "the admin who started the import has no verified email";
                    return self.fail(why).await.map(Some);
                }
                Err(ChunkError::Op(OpError::Unavailable(err))) => {
                    self.back_off(chunk, err).await?;
                }
                Err(ChunkError::Op(err)) => return Err(err),
            }
        }
    }

    /// Slows down after a throttled chunk, or gives the job back after
    /// [`MAX_THROTTLED_IN_A_ROW`] throttles in a row.
    async fn back_off(&mut self, chunk: &Chunk, err: BoxedError) -> Result<(), OpError> {
        self.report.throttled += 1;
        if self.pacer.throttled_in_a_row() >= MAX_THROTTLED_IN_A_ROW {
            return Err(OpError::Unavailable(err));
        }
        let backoff = self.pacer.after_throttle();
        tracing::warn!(
            job = %self.job.id,
            chunk = chunk.index,
            backoff_ms = backoff.as_millis() as u64,
            rate = self.pacer.rate(),
            "import throttled; slowing down"
        );
        tokio::time::sleep(backoff.min(remaining(self.deadline))).await;
        Ok(())
    }

    async fn fail(&self, why: &str) -> Result<RunOutcome, OpError> {
        self.app
            .store
            .fail_import(&self.job, why, self.app.now())
            .await?;
        Ok(RunOutcome::Finished(ImportStatus::Failed))
    }
}

type BoxedError = Box<dyn std::error::Error + Send + Sync>;

fn advance(job: &mut ImportJob, done: &ChunkDone) {
    for (word, count) in &done.counts {
        *job.counts.entry((*word).to_owned()).or_default() += count;
    }
    job.next_chunk += 1;
    job.status = if job.next_chunk >= job.chunks {
        ImportStatus::Done
    } else {
        ImportStatus::Running
    };
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

/// The sweep's backstop: runs the jobs that made no progress for
/// [`crate::domain::import::STALL_AFTER`] (their worker died, or no stream
/// event reached one) until `deadline`; returns how many it ran.
pub async fn resume_stalled(app: &App, deadline: Instant) -> Result<usize, OpError> {
    let now = app.now();
    let mut resumed = 0;
    for shard in 0..DUE_SHARDS {
        for job in app.store.stalled_import_jobs(shard, now, 20).await? {
            if Instant::now() >= deadline {
                return Ok(resumed);
            }
            let report = Box::pin(run_import(
                app,
                RunImport {
                    org: job.org,
                    id: job.id.clone(),
                    deadline,
                },
            ))
            .await?;
            tracing::info!(job = %job.id, ?report, "stalled import resumed");
            resumed += 1;
        }
    }
    Ok(resumed)
}
