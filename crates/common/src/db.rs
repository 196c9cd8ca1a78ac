//! The one way every crate opens a transaction that writes, and the one way it tells a
//! duplicate from any other database failure.

/// Begins a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes fails outright when
/// another connection committed in between, where an immediate one simply waits its turn. On
/// PostgreSQL it is a plain `BEGIN`; row locks and conditional updates do the rest.
pub async fn begin_write<C: sea_orm::TransactionTrait>(
    db: &C,
) -> Result<C::Transaction, sea_orm::DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Whether a database error is a unique-constraint violation: the row is a duplicate of one
/// that exists (an idempotency key, an event or transfer already recorded, an email taken).
pub fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
