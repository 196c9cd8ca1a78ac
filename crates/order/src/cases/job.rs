//! The job that sends cases the stall did not answer in time to the administrators.

use std::time::Duration;

use chrono::Utc;
use jobs::{Job, JobError, Schedule};
use sea_orm::DatabaseConnection;

use super::Cases;

/// Cases moved in one run at most.
const BATCH: u64 = 100;

/// The escalation of overdue cases, a batch a run; once none is due, it looks again after
/// `every`. Any number of instances may run it: each case moves once.
pub struct EscalateOverdue {
    cases: Cases,
    db: DatabaseConnection,
    every: Duration,
}

impl EscalateOverdue {
    /// `cases` escalated over `db`, looking every `every` once none is due.
    pub fn new(cases: Cases, db: DatabaseConnection, every: Duration) -> Self {
        Self { cases, db, every }
    }
}

#[jobs::async_trait]
impl Job for EscalateOverdue {
    fn kind(&self) -> &'static str {
        "cases_escalation"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Drain {
            batch: BATCH,
            idle: self.every,
        }
    }

    async fn run(&self) -> Result<u64, JobError> {
        let moved = self
            .cases
            .escalate_overdue(&self.db, Utc::now(), BATCH)
            .await
            .map_err(common::Error::from)?;
        Ok(moved)
    }
}
