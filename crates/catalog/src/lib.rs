//! The catalogue: stalls and their members, categories, products with OCOP certificates,
//! communes, and the moderation that decides what the public sees, with every decision on record.
//!
//! Services check authorization themselves (never only the routes): a vendor touches only its
//! own stalls' products, only administrators moderate, and another user's private stall or
//! product is "not found".

pub mod audit;
pub mod category;
pub mod entity;
pub mod error;
pub mod outbox;
pub mod product;
pub mod region;
pub mod seed;
pub mod service;
pub mod stall;

pub use error::CatalogError;
pub use region::Regions;
pub use service::Catalog;

/// Begins a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes fails outright when
/// another connection committed in between, where an immediate one simply waits its turn.
pub async fn begin_write<C: sea_orm::TransactionTrait>(
    db: &C,
) -> Result<C::Transaction, sea_orm::DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}
