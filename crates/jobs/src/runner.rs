//! The runner: every job in a task of its own, repeated on its schedule, backing off while it
//! fails, until the stop signal.

use std::sync::Arc;

use tokio::{sync::watch, time::Instant};

use crate::{
    job::{Job, JobError},
    stats::{JobStats, Monitor},
};

/// Runs jobs until told to stop, and keeps their figures.
///
/// Each job runs in its own task, one run at a time: a slow job holds up only itself. A run
/// is never cut short: on the stop signal each job finishes the run in hand and ends.
#[derive(Default)]
pub struct Runner {
    jobs: Vec<Arc<dyn Job>>,
    monitor: Monitor,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("kinds", &self.kinds())
            .finish_non_exhaustive()
    }
}

impl Runner {
    /// A runner with no jobs yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A runner whose figures go to `monitor` (one that `/metrics` already holds).
    pub fn reporting_to(monitor: Monitor) -> Self {
        Self {
            jobs: Vec::new(),
            monitor,
        }
    }

    /// Adds `job`; its kind shows in the figures (zeros) from now on.
    pub fn with(mut self, job: impl Job) -> Self {
        self.monitor.register(job.kind());
        self.jobs.push(Arc::new(job));
        self
    }

    /// The kinds of the jobs added, in the order they were.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.jobs.iter().map(|j| j.kind()).collect()
    }

    /// Whether no job was added.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// The view of the figures, to read while the runner runs.
    pub fn monitor(&self) -> Monitor {
        self.monitor.clone()
    }

    /// Every kind's figures now.
    pub fn stats(&self) -> Vec<JobStats> {
        self.monitor.stats()
    }

    /// Runs every job until `stop` turns true (or its sender is dropped); returns once each
    /// has finished its run in hand.
    pub async fn run(self, stop: watch::Receiver<bool>) {
        let mut tasks = tokio::task::JoinSet::new();
        for job in self.jobs {
            tasks.spawn(drive(job, self.monitor.clone(), stop.clone()));
        }
        while tasks.join_next().await.is_some() {}
        tracing::info!("background jobs stopped");
    }
}

/// One job's loop: run, record, wait as its schedule or back-off says.
async fn drive(job: Arc<dyn Job>, monitor: Monitor, mut stop: watch::Receiver<bool>) {
    let kind = job.kind();
    let (schedule, backoff) = (job.schedule(), job.backoff());
    let mut failures = 0_u32;
    while !stopping(&stop) {
        let started = Instant::now();
        let result = run_once(&job).await;
        let done = result.as_ref().ok().copied();
        monitor.record(kind, started.elapsed(), done);
        failures = if done.is_some() {
            0
        } else {
            failures.saturating_add(1)
        };
        let wait = schedule.next_wait(&backoff, done, failures);
        if let Err(e) = result {
            tracing::warn!(
                job = kind, error = %e, failures, retry_in_ms = wait.as_millis() as u64,
                "background job failed; will retry"
            );
        }
        if wait.is_zero() {
            // A full batch: more is waiting. Let the other tasks of this thread in first.
            tokio::task::yield_now().await;
            continue;
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = stopped(&mut stop) => break,
        }
    }
    tracing::debug!(job = kind, "background job stopped");
}

/// One run, in a task of its own: a run that panics counts as a failure and is retried,
/// instead of ending its job for the life of the process.
async fn run_once(job: &Arc<dyn Job>) -> Result<u64, JobError> {
    let job = job.clone();
    match tokio::spawn(async move { job.run().await }).await {
        Ok(result) => result,
        Err(e) => Err(format!("the run panicked: {e}").into()),
    }
}

/// Whether the stop signal was given (or can no longer come).
fn stopping(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow() || stop.has_changed().is_err()
}

/// Completes once `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
