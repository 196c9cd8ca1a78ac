//! Lets several indexer workers share the search outbox: a row is claimed for a while, and
//! only deleted once its document is written, so a failed write is retried, never lost.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("search_outbox")
                    .add_column(timestamp_with_time_zone_null("claimed_until"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("search_outbox")
                    .add_column(integer("attempts").default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["attempts", "claimed_until"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("search_outbox")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
