//! The threads that do the pixel work: `media.workers` of them, started with the service, at
//! the lowest scheduling priority (nice 19 on Linux) below the threads that answer requests. A
//! photo takes seconds of CPU; on a small machine the searches and orders beside it would
//! otherwise wait for a core behind it (measured: `cargo bench -p gateway --bench media`).
//! With the lower priority the kernel hands a core to a request as soon as one is ready, and
//! the photos take what is left.
//!
//! Tokio's blocking pool cannot be used for this: its threads run other blocking work too
//! (password hashing, files), and a thread's priority, once lowered, cannot be raised again
//! without a privilege.

use std::{
    panic::AssertUnwindSafe,
    sync::{Arc, Mutex, mpsc},
};

/// How much lower than the requests' threads the pixel work runs (a nice value, 0 to 19): the
/// lowest, so a photo beside a busy request gets the smallest share of a core the kernel
/// gives; measured against nice 10 in BENCHMARKS.md.
pub const NICE: i32 = 19;

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of low-priority threads taking jobs in turn; they end when it is dropped.
#[derive(Debug)]
pub struct Workers {
    jobs: mpsc::Sender<Job>,
}

impl Workers {
    /// Starts `count` threads (at least one) named `media-N`.
    pub fn start(count: usize) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..count.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("media-{n}"))
                .spawn(move || work(&queue))?;
        }
        Ok(Self { jobs })
    }

    /// Runs `f` on one of the threads; `None` if it panicked (the thread lives on).
    pub async fn run<T, F>(&self, f: F) -> Option<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (done, outcome) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            if let Ok(value) = std::panic::catch_unwind(AssertUnwindSafe(f)) {
                let _ = done.send(value);
            }
        });
        self.jobs.send(job).ok()?;
        outcome.await.ok()
    }
}

/// One thread's life: lower its priority, then take jobs until the sender is gone.
fn work(queue: &Mutex<mpsc::Receiver<Job>>) {
    lower_priority();
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // On Linux a priority is a thread's own: this one's id names it alone. A process already
    // running nicer than this keeps its own (raising a priority needs a privilege).
    let me = Some(rustix::thread::gettid());
    if rustix::process::getpriority_process(me).is_ok_and(|now| now >= NICE) {
        return;
    }
    if let Err(e) = rustix::process::setpriority_process(me, NICE) {
        tracing::warn!(error = %e, "the photo worker keeps the requests' priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_at_the_lower_priority_and_a_panic_is_none_not_a_lost_thread() {
        let workers = Workers::start(1).unwrap_or_else(|e| panic!("{e}"));
        #[cfg(target_os = "linux")]
        {
            let nice = workers
                .run(|| rustix::process::getpriority_process(Some(rustix::thread::gettid())))
                .await;
            assert!(matches!(nice, Some(Ok(n)) if n >= NICE), "{nice:?}");
        }
        let panicked: Option<u8> = workers.run(|| panic!("a damaged picture")).await;
        assert_eq!(panicked, None);
        // The one thread took the panic and lives on.
        assert_eq!(workers.run(|| 6 * 7).await, Some(42));
    }
}
