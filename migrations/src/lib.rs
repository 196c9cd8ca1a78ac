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
mod m20261202_000010_notify;
mod m20261202_000011_search_misses;
mod m20261204_000012_suspension_cause;
mod m20261205_000013_policies;
mod m20261205_000014_consents;
mod m20261205_000015_seller_identity;
mod m20261205_000016_reports;
mod m20261205_000017_product_facts;
mod m20261205_000019_cases;
mod m20261205_000020_documents;
mod m20261205_000021_erasure;
mod m20261205_000022_partial_refunds;
mod m20261205_000023_documents_told;
mod m20261205_000024_media;
mod m20261205_000025_variants;
mod m20261205_000026_stall_logo;
mod m20261205_000027_guest_carts;
mod m20261205_000028_order_numbers;
mod m20261205_000029_refund_accounts;
mod m20261205_000030_cart_price_seen;
mod m20261205_000031_reviews;
mod m20261205_000032_ratings;
mod m20261205_000033_sale_prices;
mod m20261205_000034_vouchers;
mod m20261205_000035_stall_carriers;
mod m20261205_000036_shipments;
mod m20261205_000037_cod_remittances;
mod m20261205_000038_trade_facts;
mod m20261205_000039_tax_periods;
mod m20261205_000040_withholding_certificates;
mod m20261205_000041_withholding_span_certificates;
mod m20261205_000043_trade_rollups;

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
            Box::new(m20261202_000010_notify::Migration),
            Box::new(m20261202_000011_search_misses::Migration),
            Box::new(m20261204_000012_suspension_cause::Migration),
            Box::new(m20261205_000013_policies::Migration),
            Box::new(m20261205_000014_consents::Migration),
            Box::new(m20261205_000015_seller_identity::Migration),
            Box::new(m20261205_000016_reports::Migration),
            Box::new(m20261205_000017_product_facts::Migration),
            Box::new(m20261205_000019_cases::Migration),
            Box::new(m20261205_000020_documents::Migration),
            Box::new(m20261205_000021_erasure::Migration),
            Box::new(m20261205_000022_partial_refunds::Migration),
            Box::new(m20261205_000023_documents_told::Migration),
            Box::new(m20261205_000024_media::Migration),
            Box::new(m20261205_000025_variants::Migration),
            Box::new(m20261205_000026_stall_logo::Migration),
            Box::new(m20261205_000027_guest_carts::Migration),
            Box::new(m20261205_000028_order_numbers::Migration),
            Box::new(m20261205_000029_refund_accounts::Migration),
            Box::new(m20261205_000030_cart_price_seen::Migration),
            Box::new(m20261205_000031_reviews::Migration),
            Box::new(m20261205_000032_ratings::Migration),
            Box::new(m20261205_000033_sale_prices::Migration),
            Box::new(m20261205_000034_vouchers::Migration),
            Box::new(m20261205_000035_stall_carriers::Migration),
            Box::new(m20261205_000036_shipments::Migration),
            Box::new(m20261205_000037_cod_remittances::Migration),
            Box::new(m20261205_000038_trade_facts::Migration),
            Box::new(m20261205_000039_tax_periods::Migration),
            Box::new(m20261205_000040_withholding_certificates::Migration),
            Box::new(m20261205_000041_withholding_span_certificates::Migration),
            Box::new(m20261205_000043_trade_rollups::Migration),
        ]
    }
}

use std::time::Duration;

use sea_orm_migration::sea_orm::{DbBackend, TransactionTrait};

/// The PostgreSQL advisory lock that serialises migration runs (any fixed number; advisory
/// locks are the database's, so deployments sharing one database share it too).
const MIGRATION_LOCK: i64 = 0x6d61_726b_6574; // "market"

/// Applies the pending migrations. On PostgreSQL the whole run holds an advisory lock inside
/// one transaction, so any number of instances may start at once: the first migrates, the
/// others wait, then find nothing pending. SQLite serialises writers by itself.
pub async fn up_locked(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Migrator::up(db, None).await;
    }
    let txn = db.begin().await?;
    txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
        .await?;
    Migrator::up(&txn, None).await?;
    txn.commit().await
}

/// Each migration's name and whether it is applied, in order.
pub async fn status(db: &DatabaseConnection) -> Result<Vec<(String, bool)>, DbErr> {
    Migrator::install(db).await?;
    Ok(Migrator::get_migration_with_status(db)
        .await?
        .into_iter()
        .map(|m| {
            let applied = matches!(m.status(), sea_orm_migration::MigrationStatus::Applied);
            (m.name().to_owned(), applied)
        })
        .collect())
}

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
