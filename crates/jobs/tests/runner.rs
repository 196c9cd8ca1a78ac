//! The runner, on a paused clock: back-off grows while a job fails and starts over after a
//! success, a full batch runs again at once, the stop signal ends the runner after the run in
//! hand, a panicking run is a failure retried, and the figures count runs and failures by kind.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};

use jobs::{Backoff, Job, JobError, JobStats, Runner, Schedule};
use tokio::{sync::watch, time::Instant};

const MS: Duration = Duration::from_millis(1);

/// What a scripted run does.
#[derive(Clone, Copy, Debug)]
enum Step {
    Done(u64),
    Fail,
    Panic,
    /// Takes this long, then does one item.
    Slow(Duration),
}

/// A job that follows its script (then does nothing, successfully) and notes when each run
/// began.
struct Scripted {
    kind: &'static str,
    schedule: Schedule,
    script: Mutex<VecDeque<Step>>,
    began: Arc<Mutex<Vec<Instant>>>,
}

impl Scripted {
    fn new(kind: &'static str, schedule: Schedule, script: &[Step]) -> Self {
        Self {
            kind,
            schedule,
            script: Mutex::new(script.iter().copied().collect()),
            began: Arc::default(),
        }
    }

    /// The times its runs began, as a handle the test keeps.
    fn began(&self) -> Arc<Mutex<Vec<Instant>>> {
        self.began.clone()
    }
}

#[jobs::async_trait]
impl Job for Scripted {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn schedule(&self) -> Schedule {
        self.schedule
    }

    fn backoff(&self) -> Backoff {
        Backoff {
            base: 100 * MS,
            max: 400 * MS,
        }
    }

    async fn run(&self) -> Result<u64, JobError> {
        self.began.lock().unwrap().push(Instant::now());
        let step = self.script.lock().unwrap().pop_front();
        match step.unwrap_or(Step::Done(0)) {
            Step::Done(n) => Ok(n),
            Step::Fail => Err("the database is down".into()),
            Step::Panic => panic!("a bug in the job"),
            Step::Slow(d) => {
                tokio::time::sleep(d).await;
                Ok(1)
            }
        }
    }
}

/// The waits between the runs that began.
fn gaps(began: &Mutex<Vec<Instant>>) -> Vec<Duration> {
    let began = began.lock().unwrap();
    began.windows(2).map(|w| w[1] - w[0]).collect()
}

/// Runs `runner` for `how_long` of virtual time, then gives the stop signal and waits for it
/// to end.
async fn run_for(runner: Runner, how_long: Duration) {
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(runner.run(stopped));
    tokio::time::sleep(how_long).await;
    stop.send(true).unwrap();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn backoff_doubles_while_a_job_fails_and_starts_over_after_a_success() {
    use Step::*;
    let job = Scripted::new(
        "flaky",
        Schedule::Every(Duration::from_secs(10)),
        &[Fail, Fail, Fail, Fail, Done(1), Fail, Done(1)],
    );
    let began = job.began();
    run_for(Runner::new().with(job), Duration::from_secs(25)).await;
    assert_eq!(
        gaps(&began)[..6],
        [
            100 * MS, // after the first failure: the base
            200 * MS,
            400 * MS,
            400 * MS,                // the maximum
            Duration::from_secs(10), // a success: the schedule again
            100 * MS,                // and the next failure starts from the base
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_full_batch_runs_again_at_once_and_less_waits_for_the_idle_time() {
    use Step::*;
    let job = Scripted::new(
        "drain",
        Schedule::Drain {
            batch: 5,
            idle: Duration::from_secs(1),
        },
        &[Done(5), Done(5), Done(2), Done(5), Done(0)],
    );
    let began = job.began();
    run_for(Runner::new().with(job), Duration::from_millis(2500)).await;
    assert_eq!(
        gaps(&began)[..4],
        [
            Duration::ZERO,
            Duration::ZERO,
            Duration::from_secs(1),
            Duration::ZERO
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn the_stop_signal_ends_the_runner_after_the_run_in_hand() {
    let job = Scripted::new(
        "slow",
        Schedule::Every(Duration::from_secs(3600)),
        &[Step::Slow(Duration::from_millis(50))],
    );
    let runner = Runner::new().with(job);
    let monitor = runner.monitor();
    let started = Instant::now();
    // The signal comes in the middle of the first run.
    run_for(runner, 10 * MS).await;
    assert_eq!(
        started.elapsed(),
        50 * MS,
        "the run in hand finished; no wait for the next"
    );
    let slow = monitor.of("slow").unwrap();
    assert_eq!((slow.runs, slow.items), (1, 1));

    // A runner whose signal can no longer come (its sender dropped) ends too.
    let (stop, stopped) = watch::channel(false);
    drop(stop);
    let idle = Scripted::new("idle", Schedule::Every(Duration::from_secs(3600)), &[]);
    tokio::time::timeout(
        Duration::from_secs(1),
        Runner::new().with(idle).run(stopped),
    )
    .await
    .expect("the runner ends");
}

#[tokio::test(start_paused = true)]
async fn a_run_that_panics_is_a_failure_and_the_job_goes_on() {
    let job = Scripted::new(
        "buggy",
        Schedule::Every(Duration::from_secs(1)),
        &[Step::Panic, Step::Done(3)],
    );
    let runner = Runner::new().with(job);
    let monitor = runner.monitor();
    run_for(runner, 500 * MS).await;
    let buggy = monitor.of("buggy").unwrap();
    assert_eq!((buggy.runs, buggy.failures, buggy.items), (2, 1, 3));
    assert_eq!(buggy.consecutive_failures, 0);
}

#[tokio::test(start_paused = true)]
async fn the_figures_count_runs_items_and_failures_by_kind() {
    use Step::*;
    let every_second = Schedule::Every(Duration::from_secs(1));
    let ok = Scripted::new("alpha", every_second, &[Done(3), Done(3), Done(3)]);
    let failing = Scripted::new("beta", every_second, &[Fail; 20]);
    let runner = Runner::new().with(ok).with(failing);
    let zeros = |kind| JobStats {
        kind,
        ..JobStats::default()
    };
    assert_eq!(
        runner.stats(),
        [zeros("alpha"), zeros("beta")],
        "known before any run"
    );
    assert_eq!(runner.kinds(), ["alpha", "beta"]);
    let monitor = runner.monitor();

    run_for(runner, 2500 * MS).await;

    let stats = monitor.stats();
    let alpha = &stats[0];
    assert_eq!(
        (alpha.kind, alpha.runs, alpha.items, alpha.failures),
        ("alpha", 3, 9, 0)
    );
    assert_eq!(alpha.consecutive_failures, 0);
    // beta fails at 0 ms, then after 100, 200, 400, 400, 400, 400, 400 ms: 8 runs by 2.5 s.
    let beta = &stats[1];
    assert_eq!(
        (beta.kind, beta.runs, beta.items, beta.failures),
        ("beta", 8, 0, 8)
    );
    assert_eq!(beta.consecutive_failures, 8);
}
