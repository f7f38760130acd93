//! Imports: the large form of an invitation upload, as a job a worker runs
//! chunk by chunk through the invite pipeline.
//!
//! - [`start`]: screens the rows and stores the job (its insert wakes the worker);
//! - [`run`]: the worker's loop, paced and resumable;
//! - [`chunk`]: one chunk, committed once with the job's progress;
//! - [`get`], [`list`]: a job's status and per-row outcomes, an org's jobs.

pub mod chunk;
pub mod get;
pub mod list;
pub mod run;
pub mod start;
