//! Roll-ups of the trade facts, so the trade report reads a few thousand rows instead of a
//! year of order lines; kept in the transaction that writes the facts, and rebuilt from them
//! when empty (`reporting::rollup::rebuild`, run after the migrations).
//!
//! - `trade_rollups`: per grouping (`kind`), key `k`, and unit of Vietnam's calendar (`span`:
//!   0 day, 1 month, 2 quarter, 3 year; `at` its first day as `yyyymmdd`, with `dd` = 00 for a
//!   month, a quarter or a year and `mm` = 00 for a year), the sums (`gmv`, `units`), the
//!   orders, and the distinct buyers, stalls and (OCOP stars only) products with a delivery in
//!   that unit, exact.
//! - `trade_marks`: per grouping, key and party (`party`: 0 buyer, 1 stall, 2 product; `id`
//!   its id) and year, the days it had a delivery, as one bit per day (`1 << (dd - 1)`) in a
//!   column per month: what says, exactly, whether a party is new to a unit, and counts the
//!   distinct parties over any range of days.
//!
//! `k` is the key's bytes: a uuid's 16 bytes, a code's UTF-8, the stars as a digit; empty for
//! the totals. Rows are added and updated, never deleted except by a rebuild.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("trade_rollups")
                    .col(small_integer("kind"))
                    .col(small_integer("span"))
                    .col(integer("at"))
                    .col(blob("k"))
                    .col(big_integer("gmv").default(0))
                    .col(big_integer("units").default(0))
                    .col(big_integer("orders").default(0))
                    .col(big_integer("buyers").default(0))
                    .col(big_integer("stalls").default(0))
                    .col(big_integer("products").default(0))
                    .primary_key(Index::create().col("kind").col("span").col("at").col("k"))
                    .to_owned(),
            )
            .await?;
        let mut marks = Table::create();
        marks
            .table("trade_marks")
            .col(small_integer("kind"))
            .col(small_integer("party"))
            .col(blob("k"))
            .col(uuid("id"))
            .col(integer("year"));
        for m in 1..=12 {
            marks.col(integer(Alias::new(format!("m{m:02}"))).default(0));
        }
        marks.primary_key(
            Index::create()
                .col("kind")
                .col("party")
                .col("k")
                .col("id")
                .col("year"),
        );
        manager.create_table(marks.to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["trade_marks", "trade_rollups"] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}
