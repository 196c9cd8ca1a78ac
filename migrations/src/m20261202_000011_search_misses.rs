//! What buyers look for and cannot find: each product search whose words found nothing is
//! counted, by its folded words and day, so the province sees what to list.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("search_misses")
                    .col(string_len("query", 100))
                    .col(date("day"))
                    .col(big_integer("count").default(0))
                    .primary_key(Index::create().col("query").col("day"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("search_misses_day")
                    .table("search_misses")
                    .col("day")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("search_misses").to_owned())
            .await
    }
}
