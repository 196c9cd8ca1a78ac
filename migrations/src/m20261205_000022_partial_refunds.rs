//! Several refunds of one order: a case's refund of part of a delivered order is one more row
//! of `refunds`, tied to its case, beside any other. The one refund per order that a
//! cancellation or a whole refund owes stays unique (a partial unique index over the rows of no
//! case), and a case refunds once. A refund owed by hand keeps where the money goes, as the
//! buyer gave it on the case. A case keeps its evidence's media ids beside its links.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns `refunds` had, copied over when SQLite rebuilds the table.
const OLD_COLUMNS: &str = "id, order_id, checkout_id, provider, payment_intent_id, amount, \
     status, attempts, last_error, provider_refund_id, next_attempt_at, claimed_until, \
     created_at, updated_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Sqlite {
            // SQLite cannot drop a column's UNIQUE: the table is made again without it, in one
            // batch on one connection (the pool's others never see it half done).
            let create = refunds("refunds_new").to_string(SqliteQueryBuilder);
            db.execute_unprepared(&format!(
                "{create}; \
                 INSERT INTO refunds_new ({OLD_COLUMNS}) SELECT {OLD_COLUMNS} FROM refunds; \
                 DROP TABLE refunds; \
                 ALTER TABLE refunds_new RENAME TO refunds; \
                 CREATE INDEX idx_refunds_status_next ON refunds (status, next_attempt_at);"
            ))
            .await?;
        } else {
            db.execute_unprepared("ALTER TABLE refunds DROP CONSTRAINT refunds_order_id_key")
                .await?;
            for col in [uuid_null("case_id"), text_null("refund_account")] {
                manager
                    .alter_table(
                        Table::alter()
                            .table("refunds")
                            .add_column(col.to_owned())
                            .to_owned(),
                    )
                    .await?;
            }
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_refunds_order")
                    .table("refunds")
                    .col("order_id")
                    .to_owned(),
            )
            .await?;
        // Both engines take partial unique indexes.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_refunds_whole_order ON refunds (order_id) \
             WHERE case_id IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_refunds_case ON refunds (case_id) WHERE case_id IS NOT NULL",
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("cases")
                    // The evidence's uploaded media ids, as a JSON array (none on older rows).
                    .add_column(text_null("media_ids"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        manager
            .alter_table(
                Table::alter()
                    .table("cases")
                    .drop_column("media_ids")
                    .to_owned(),
            )
            .await?;
        for name in [
            "uq_refunds_case",
            "uq_refunds_whole_order",
            "idx_refunds_order",
        ] {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        // Refunds of cases go; the one refund per order comes back.
        db.execute_unprepared("DELETE FROM refunds WHERE case_id IS NOT NULL")
            .await?;
        for col in ["refund_account", "case_id"] {
            manager
                .alter_table(Table::alter().table("refunds").drop_column(col).to_owned())
                .await?;
        }
        // Back as it was made: a column constraint on PostgreSQL, so `up` drops it again.
        let unique = if manager.get_database_backend() == DbBackend::Sqlite {
            "CREATE UNIQUE INDEX refunds_order_id_key ON refunds (order_id)"
        } else {
            "ALTER TABLE refunds ADD CONSTRAINT refunds_order_id_key UNIQUE (order_id)"
        };
        db.execute_unprepared(unique).await?;
        Ok(())
    }
}

/// The refunds table as it now is, under `name`.
fn refunds(name: &'static str) -> TableCreateStatement {
    Table::create()
        .table(name)
        .col(pk_uuid("id"))
        .col(uuid("order_id"))
        .col(uuid("checkout_id"))
        .col(string_len("provider", 16))
        .col(string_len("payment_intent_id", 255))
        .col(big_integer("amount"))
        // `queued` (to be sent or retried), `sent`, `failed`, `manual` (paid back by hand).
        .col(string_len("status", 16))
        .col(integer("attempts").default(0))
        .col(text_null("last_error"))
        .col(string_len_null("provider_refund_id", 255))
        .col(timestamp_with_time_zone("next_attempt_at"))
        .col(timestamp_with_time_zone_null("claimed_until"))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
        // The case whose decision owes it; none for a cancellation's or a whole refund.
        .col(uuid_null("case_id"))
        // Where a refund paid by hand goes, as the buyer gave it on the case (JSON).
        .col(text_null("refund_account"))
        .foreign_key(
            ForeignKey::create()
                .name("fk_refunds_order")
                .from(name, "order_id")
                .to("orders", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}
