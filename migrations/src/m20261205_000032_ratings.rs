//! Ratings: what buyers' reviews give a product and its stall, kept as sums so an answer or a
//! search document reads them without counting reviews. `products.rating_count` and
//! `products.rating_sum` (the stars of its reviews, 1 to 5 each), with `products.rating_1` to
//! `products.rating_5` (how many reviews gave that many stars); `stalls.rating_count` and
//! `stalls.rating_sum` over its products' reviews. Every row starts at zero: no review yet.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const PRODUCTS: &[&str] = &[
    "rating_count",
    "rating_sum",
    "rating_1",
    "rating_2",
    "rating_3",
    "rating_4",
    "rating_5",
];
const STALLS: &[&str] = &["rating_count", "rating_sum"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        for (table, columns) in [("products", PRODUCTS), ("stalls", STALLS)] {
            for column in columns {
                manager
                    .alter_table(
                        Table::alter()
                            .table(table)
                            .add_column(big_integer(*column).default(0))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, columns) in [("stalls", STALLS), ("products", PRODUCTS)] {
            for column in columns.iter().rev() {
                manager
                    .alter_table(Table::alter().table(table).drop_column(*column).to_owned())
                    .await?;
            }
        }
        Ok(())
    }
}
