//! Sale prices with a validity window. A variant may carry `sale_price`, `sale_starts_at` and
//! `sale_ends_at` (all three or none): during `[sale_starts_at, sale_ends_at)` the price in
//! force is `sale_price`, otherwise `price`, which stays the regular price (the price before
//! the promotion). A product keeps `price_now` and `price_now_max` (the lowest and highest
//! price in force over its variants, as of its last write or sale boundary) beside `price` and
//! `price_max` (the regular ones), for sorts and search. Order lines keep the regular unit
//! price beside the price charged (`regular_unit_price`; null for lines sold before). The one
//! row of `sale_boundary_passes` is how far the job that re-indexes products whose sale began
//! or ended has looked.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for col in [
            big_integer_null("sale_price"),
            timestamp_with_time_zone_null("sale_starts_at"),
            timestamp_with_time_zone_null("sale_ends_at"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("product_variants")
                        .add_column(col.to_owned())
                        .to_owned(),
                )
                .await?;
        }
        // The job finds the variants whose window opened or closed since its last pass.
        for col in ["sale_starts_at", "sale_ends_at"] {
            manager
                .create_index(
                    Index::create()
                        .name(format!("idx_variants_{col}"))
                        .table("product_variants")
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        for col in ["price_now", "price_now_max"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("products")
                        .add_column(big_integer(col).default(0).to_owned())
                        .to_owned(),
                )
                .await?;
        }
        db.execute_unprepared("UPDATE products SET price_now = price, price_now_max = price_max")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("order_items")
                    .add_column(big_integer_null("regular_unit_price"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("sale_boundary_passes")
                    .col(string_len("name", 32).primary_key())
                    .col(timestamp_with_time_zone("passed_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("sale_boundary_passes").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("order_items")
                    .drop_column("regular_unit_price")
                    .to_owned(),
            )
            .await?;
        for col in ["price_now_max", "price_now"] {
            manager
                .alter_table(Table::alter().table("products").drop_column(col).to_owned())
                .await?;
        }
        for col in ["sale_starts_at", "sale_ends_at"] {
            manager
                .drop_index(
                    Index::drop()
                        .name(format!("idx_variants_{col}"))
                        .table("product_variants")
                        .to_owned(),
                )
                .await?;
        }
        for col in ["sale_ends_at", "sale_starts_at", "sale_price"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("product_variants")
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
