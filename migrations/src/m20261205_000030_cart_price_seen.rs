//! The price a cart line was put at: `cart_items.unit_price_seen` and
//! `guest_cart_items.unit_price_seen`, the variant's unit price in đồng when the buyer last set
//! the line's quantity. A cart whose line's price differs now says `price_changed`; lines put
//! before this column have it null and say nothing of their price.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["cart_items", "guest_cart_items"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(big_integer_null("unit_price_seen"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["guest_cart_items", "cart_items"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column("unit_price_seen")
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
