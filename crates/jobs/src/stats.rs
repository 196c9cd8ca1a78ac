//! The runner's figures by job kind, as plain data for `/metrics` and logs.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

/// What the runs of one kind of job did since the runner started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobStats {
    /// The job's kind ([`crate::Job::kind`]).
    pub kind: &'static str,
    /// Runs finished, failed ones included.
    pub runs: u64,
    /// Runs that failed.
    pub failures: u64,
    /// Items done by the successful runs.
    pub items: u64,
    /// How long the last run took.
    pub last_run: Duration,
    /// Failures since the last successful run (0 while all is well).
    pub consecutive_failures: u32,
}

/// A shared view of a runner's figures, cheap to clone: the runner writes it, `/metrics`
/// reads it. Jobs of the same kind share one line.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    by_kind: Arc<Mutex<BTreeMap<&'static str, JobStats>>>,
}

impl Monitor {
    /// An empty view.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every kind's figures, by kind name.
    pub fn stats(&self) -> Vec<JobStats> {
        self.lock().values().cloned().collect()
    }

    /// One kind's figures, if a job of that kind was added.
    pub fn of(&self, kind: &str) -> Option<JobStats> {
        self.lock().get(kind).cloned()
    }

    /// Shows `kind` with zeros until its first run, so its series exist from the start.
    pub(crate) fn register(&self, kind: &'static str) {
        self.lock().entry(kind).or_insert_with(|| JobStats {
            kind,
            ..JobStats::default()
        });
    }

    /// Counts a run of `kind` that took `took` and did `done` items (`None`: it failed).
    pub(crate) fn record(&self, kind: &'static str, took: Duration, done: Option<u64>) {
        let mut all = self.lock();
        let s = all.entry(kind).or_insert_with(|| JobStats {
            kind,
            ..JobStats::default()
        });
        s.runs += 1;
        s.last_run = took;
        match done {
            Some(n) => {
                s.items = s.items.saturating_add(n);
                s.consecutive_failures = 0;
            }
            None => {
                s.failures += 1;
                s.consecutive_failures = s.consecutive_failures.saturating_add(1);
            }
        }
    }

    /// The figures, readable even after a panic elsewhere while they were held (they are
    /// counters; a half-made update is harmless).
    fn lock(&self) -> MutexGuard<'_, BTreeMap<&'static str, JobStats>> {
        self.by_kind.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
