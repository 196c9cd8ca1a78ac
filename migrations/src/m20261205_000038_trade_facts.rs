//! Trade facts: the figures the province's trade report reads, one row per delivered order
//! line and one per refund of it, written in the transaction that writes the ledger's entries
//! for the same event, so the report adds up to the stalls' statements. A row keeps what the
//! report groups by as it was at the time (the stall's commune, the buyer's province, the
//! product's category, its OCOP group and stars), so later edits never move past sales.
//!
//! `day` is the day in Vietnam's calendar as the integer `yyyymmdd`: months (`day / 100`) and
//! quarters are integer arithmetic on both databases. `gmv` is the goods at the price charged
//! less the stall's own discounts on them (đồng, negative on refund rows); `units` is negative
//! on the row of a refund that gives back the whole line. Rows are only ever added.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(trade_facts()).await?;
        // A report reads a range of days, then groups; a refund reads its order's rows.
        for (name, cols) in [
            ("idx_trade_facts_day", &["day", "stall_id"][..]),
            ("idx_trade_facts_order", &["order_id"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table("trade_facts");
            for c in cols {
                index.col(*c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("trade_facts").to_owned())
            .await
    }
}

fn trade_facts() -> TableCreateStatement {
    Table::create()
        .table("trade_facts")
        .col(uuid("id").primary_key())
        .col(uuid("order_id"))
        .col(uuid("order_item_id"))
        .col(uuid("stall_id"))
        .col(uuid("buyer_id"))
        .col(integer("day"))
        .col(string_len("stall_commune", 16))
        .col(string_len("buyer_province", 8))
        .col(uuid("product_id"))
        .col(uuid("category_id"))
        .col(uuid("ocop_group"))
        .col(small_integer_null("ocop_stars"))
        .col(big_integer("units"))
        .col(big_integer("gmv"))
        .col(boolean("refund"))
        .col(timestamp_with_time_zone("created_at"))
        .to_owned()
}
