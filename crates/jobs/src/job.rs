//! What a job is: a kind, one run, a schedule, and how it backs off after a failure.

use std::time::Duration;

use async_trait::async_trait;

/// Why a run failed: whatever the job's domain says, logged with the job's kind.
pub type JobError = Box<dyn std::error::Error + Send + Sync>;

/// A piece of background work the [`crate::Runner`] repeats until it is told to stop.
///
/// A job holds what it needs (a database pool, an engine, a channel), never the HTTP state.
/// One run should be short (a batch) and safe to repeat: the runner may be stopped between
/// runs, and another instance may run the same kind at the same time (claim rows with a
/// [`crate::Lease`] to share them).
#[async_trait]
pub trait Job: Send + Sync + 'static {
    /// The kind, a fixed name such as `search_index`: the label of its metrics and logs.
    fn kind(&self) -> &'static str;

    /// When runs follow each other.
    fn schedule(&self) -> Schedule;

    /// How long to wait after failed runs.
    fn backoff(&self) -> Backoff {
        Backoff::default()
    }

    /// One run: how many items it did (rows indexed, messages sent), or why it failed.
    async fn run(&self) -> Result<u64, JobError>;
}

/// When a job's runs follow each other. The first run starts as soon as the runner does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// A run every period (a sweep, a prune).
    Every(Duration),
    /// Drains a queue: a run that did a full `batch` is followed at once by the next; one that
    /// did less means the queue is empty for now, and the next run comes after `idle`.
    Drain {
        /// The most one run does.
        batch: u64,
        /// The wait once the queue is empty.
        idle: Duration,
    },
}

/// The wait after failed runs: `base` after the first, doubling with each further failure up
/// to `max`; a successful run starts again from `base`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after one failure.
    pub base: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Default for Backoff {
    /// Half a second, up to 30 seconds: a database or engine that comes back is used again
    /// within half a minute.
    fn default() -> Self {
        Self {
            base: Duration::from_millis(500),
            max: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The wait after `failures` failed runs in a row (at least one).
    pub fn after(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(30);
        self.base.saturating_mul(1 << doublings).min(self.max)
    }
}

impl Schedule {
    /// The wait before the next run, after a run that did `done` items (`None`: it failed, for
    /// the `failures`-th time in a row).
    pub fn next_wait(&self, backoff: &Backoff, done: Option<u64>, failures: u32) -> Duration {
        match (done, self) {
            (None, _) => backoff.after(failures),
            (Some(_), Schedule::Every(period)) => *period,
            (Some(n), Schedule::Drain { batch, .. }) if n >= *batch && *batch > 0 => Duration::ZERO,
            (Some(_), Schedule::Drain { idle, .. }) => *idle,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn backoff_doubles_from_its_base_up_to_its_max() {
        let b = Backoff {
            base: 100 * MS,
            max: 1000 * MS,
        };
        let waits: Vec<_> = (1..=6).map(|n| b.after(n)).collect();
        assert_eq!(
            waits,
            [100 * MS, 200 * MS, 400 * MS, 800 * MS, 1000 * MS, 1000 * MS]
        );
        assert_eq!(
            b.after(u32::MAX),
            1000 * MS,
            "no overflow after many failures"
        );
    }

    #[test]
    fn a_drain_runs_again_at_once_only_after_a_full_batch() {
        let drain = Schedule::Drain {
            batch: 10,
            idle: 50 * MS,
        };
        let b = Backoff::default();
        assert_eq!(drain.next_wait(&b, Some(10), 0), Duration::ZERO);
        assert_eq!(drain.next_wait(&b, Some(9), 0), 50 * MS);
        assert_eq!(drain.next_wait(&b, Some(0), 0), 50 * MS);
        assert_eq!(drain.next_wait(&b, None, 2), b.after(2));
        let every = Schedule::Every(7 * MS);
        assert_eq!(every.next_wait(&b, Some(1000), 0), 7 * MS);
    }
}
