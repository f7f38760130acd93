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
    let mut report = RunReport {
        outcome: RunOutcome::Gone,
        chunks: 0,
        throttled: 0,
    };
    let Some(mut job) = app.store.import_job(&org, &id).await? else {
        return Ok(report);
    };
    let mut pacer = Pacer::new(app.config.import_write_units_per_second);
    while !job.status.is_finished() && job.next_chunk < job.chunks {
        let last = (job.next_chunk + READ_AHEAD).min(job.chunks) - 1;
        let chunks = app
            .store
            .import_chunks(&org, &id, job.next_chunk, last)
            .await?;
        if chunks.first().map(|c| c.index) != Some(job.next_chunk) {
            app.store
                .fail_import(&job, "the import's rows are missing", app.now())
                .await?;
            report.outcome = RunOutcome::Finished(ImportStatus::Failed);
            return Ok(report);
        }
        for chunk in chunks {
            if chunk.index != job.next_chunk {
                break;
            }
            // At least one chunk per run, so that hand-offs always make progress.
            if report.chunks > 0 && Instant::now() >= deadline {
                app.store.hand_off_import(&job, app.now()).await?;
                report.outcome = RunOutcome::HandedOff;
                return Ok(report);
            }
            loop {
                let started = Instant::now();
                match process_chunk(app, &job, &chunk).await {
                    Ok(done) => {
                        advance(&mut job, &done);
                        report.chunks += 1;
                        let wait = pacer.after_write(done.write_units, started.elapsed());
                        if !job.status.is_finished() {
                            tokio::time::sleep(wait).await;
                        }
                        break;
                    }
                    Err(ChunkError::AlreadyDone) => {
                        report.outcome = RunOutcome::Superseded;
                        return Ok(report);
                    }
                    // Re-read the counters and run the chunk again.
                    Err(ChunkError::LimitRaced) => {}
                    Err(refused @ (ChunkError::Forbidden | ChunkError::Unverified)) => {
                        let why = match refused {
                            ChunkError::Forbidden => {
                                "the admin who started the import may no longer invite"
                            }
                            _ => "the admin who started the import has no verified email",
                        };
                        app.store.fail_import(&job, why, app.now()).await?;
                        report.outcome = RunOutcome::Finished(ImportStatus::Failed);
                        return Ok(report);
                    }
                    Err(ChunkError::Op(OpError::Unavailable(err))) => {
                        report.throttled += 1;
                        if pacer.throttled_in_a_row() >= MAX_THROTTLED_IN_A_ROW {
                            return Err(OpError::Unavailable(err));
                        }
                        let backoff = pacer.after_throttle();
                        tracing::warn!(
                            job = %job.id,
                            chunk = chunk.index,
                            backoff_ms = backoff.as_millis() as u64,
                            rate = pacer.rate(),
                            "import throttled; slowing down"
                        );
                        tokio::time::sleep(backoff.min(remaining(deadline))).await;
                    }
                    Err(ChunkError::Op(err)) => return Err(err),
                }
            }
        }
    }
    report.outcome = RunOutcome::Finished(job.status);
    Ok(report)
}

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
