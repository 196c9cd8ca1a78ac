//! The one schema of the marketplace, for SQLite and PostgreSQL alike.
//!
//! Migrations are frozen history: they name tables and columns as strings and import no entity,
//! so later changes to the domain crates can never rewrite what an old migration did.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_accounts;
mod m20261128_000002_catalog;
mod m20261128_000003_outbox_claims;
mod m20261128_000004_orders;
mod m20261128_000005_payments;
mod m20261201_000006_delivery;
mod m20261202_000007_bank_transfers;
mod m20261202_000008_owed_back;
mod m20261202_000009_ledger;

/// Runs the marketplace's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_accounts::Migration),
            Box::new(m20261128_000002_catalog::Migration),
            Box::new(m20261128_000003_outbox_claims::Migration),
            Box::new(m20261128_000004_orders::Migration),
            Box::new(m20261128_000005_payments::Migration),
            Box::new(m20261201_000006_delivery::Migration),
            Box::new(m20261202_000007_bank_transfers::Migration),
            Box::new(m20261202_000008_owed_back::Migration),
            Box::new(m20261202_000009_ledger::Migration),
        ]
    }
}

use std::time::Duration;

use sea_orm_migration::sea_orm::{
    ConnectOptions, Database, DatabaseConnection,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

/// Connection options for the marketplace's database at `url` (`sqlite://...` or
/// `postgres://...`).
///
/// SQLite is opened the way a server wants it: the file is created if missing, the journal is
/// write-ahead (readers never block the writer) with `NORMAL` sync, foreign keys are enforced and
/// a writer waits for a busy database instead of failing at once.
pub fn connect_options(url: &str, max_connections: u32) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
        });
    opts
}

/// Opens a pool to the database at `url`.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    Database::connect(connect_options(url, max_connections)).await
}
