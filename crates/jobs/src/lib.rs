//! Background work: one runner for every job of the marketplace (the search indexer, the
//! notification deliveries, refund retries, the expiry of unpaid checkouts, and the sweeps
//! and prunes beside them), with back-off, figures by kind, and rows claimed with a lease.
//!
//! Layers, each using only those above it:
//! - [`job`]: what a job is ([`Job`]: a fixed kind, one run that says how much it did, a
//!   [`Schedule`], a [`Backoff`]);
//! - [`stats`]: the figures by kind ([`JobStats`]), read through a [`Monitor`];
//! - [`lease`]: a batch of a work table's rows claimed for a while ([`Lease`]), with
//!   `FOR UPDATE SKIP LOCKED` on PostgreSQL, and at most one row per key where order matters;
//! - [`runner`]: the [`Runner`], which drives each job in a task of its own until the stop
//!   signal.
//!
//! This crate knows no domain: each domain crate defines its jobs next to the use case they
//! repeat, holding only what they need (a pool, an engine, a channel), and the gateway adds
//! them to one runner.
//!
//! The walk of a job, the notification deliveries: the gateway adds the job to a [`Runner`]
//! ([`Runner::with`]) and runs it with the shutdown signal (a `watch<bool>`). The runner's task
//! for it calls [`Job::run`]; the run claims the oldest due delivery of each recipient with a
//! [`Lease`] (one statement; rows another instance holds are skipped), sends them, records
//! the outcomes (which ends the lease), and returns how many it handled. The runner counts the
//! run in the [`Monitor`]; a full batch is followed at once by the next run, less waits for
//! the schedule's idle time, and a failure waits the back-off (doubling up to its maximum,
//! back to its base after a success). When the signal turns true the task finishes the run in
//! hand and ends; [`Runner::run`] returns when all have.

pub mod job;
pub mod lease;
pub mod runner;
pub mod stats;

pub use job::{Backoff, Job, JobError, Schedule};
pub use lease::Lease;
pub use runner::Runner;
pub use stats::{JobStats, Monitor};

/// Re-exported for the jobs' `impl`s: `#[jobs::async_trait] impl jobs::Job for …`.
pub use async_trait::async_trait;
