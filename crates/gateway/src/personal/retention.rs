//! Retention periods, enforced by a daily job: sessions that ended are deleted once older than
//! `retention.sessions_days`, and the client addresses the register names are cleared once
//! their rows are older than `retention.client_addresses_days` (at least 12 months, Decree
//! 53/2022; the configuration refuses less).
//!
//! Nothing here deletes or changes an order, a ledger entry, a refund, a payout or anything a
//! tax report reads: those are accounting records the Accounting Law keeps at least 10 years,
//! and the job's statements name only the sessions and the client address columns.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jobs::{Job, JobError, Schedule};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use super::register::Register;

/// How long each kind of log is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Periods {
    /// A session that ended (expired or revoked).
    pub sessions: chrono::Duration,
    /// A client address.
    pub client_addresses: chrono::Duration,
}

/// What one sweep removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Sessions deleted.
    pub sessions: u64,
    /// Client addresses cleared.
    pub client_addresses: u64,
}

/// Removes at `now` what is older than its period.
///
/// # Errors
/// `internal` when the register is malformed or the database fails.
pub async fn sweep<C: ConnectionTrait>(
    db: &C,
    accounts: &accounts::Accounts,
    periods: Periods,
    now: DateTime<Utc>,
) -> Result<Swept, common::Error> {
    let register = Register::load().map_err(common::Error::internal)?;
    let sessions = accounts
        .prune_sessions(db, now - periods.sessions)
        .await
        .map_err(common::Error::from)?;
    let backend = db.get_database_backend();
    let param = match backend {
        DbBackend::Postgres => "$1",
        _ => "?",
    };
    let before = now - periods.client_addresses;
    let mut client_addresses = 0;
    for (table, c) in register.client_addresses() {
        let (column, dated_by) = (&c.column, &c.dated_by);
        let sql = format!(
            "UPDATE \"{table}\" SET \"{column}\" = NULL \
             WHERE \"{column}\" IS NOT NULL AND \"{dated_by}\" < {param}"
        );
        let res = db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [before.into()],
            ))
            .await?;
        client_addresses += res.rows_affected();
    }
    Ok(Swept {
        sessions,
        client_addresses,
    })
}

/// The job: a sweep every `every` (daily in the server).
pub struct Retention {
    accounts: accounts::Accounts,
    db: DatabaseConnection,
    periods: Periods,
    every: Duration,
}

impl Retention {
    /// The sweep of `db` with `periods`, every `every`.
    pub fn new(
        accounts: accounts::Accounts,
        db: DatabaseConnection,
        periods: Periods,
        every: Duration,
    ) -> Self {
        Self {
            accounts,
            db,
            periods,
            every,
        }
    }
}

#[jobs::async_trait]
impl Job for Retention {
    fn kind(&self) -> &'static str {
        "retention"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Every(self.every)
    }

    async fn run(&self) -> Result<u64, JobError> {
        let swept = sweep(&self.db, &self.accounts, self.periods, Utc::now()).await?;
        Ok(swept.sessions + swept.client_addresses)
    }
}

#[cfg(test)]
mod tests {
    /// The job's statements touch the sessions (through the accounts) and the client address
    /// columns only: no accounting table is named in this file's code.
    #[test]
    fn no_accounting_record_is_named() {
        let source = include_str!("retention.rs");
        let code = &source[..source.find("#[cfg(test)]").unwrap()];
        for table in [
            "orders",
            "ledger_entries",
            "refunds",
            "payouts",
            "checkouts",
        ] {
            assert!(!code.contains(&format!("\"{table}\"")), "{table}");
        }
        assert!(
            !code.contains("DELETE"),
            "the job deletes through the accounts only"
        );
    }
}
