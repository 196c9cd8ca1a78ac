//! Guest carts: a cart of someone not signed in, known only by its id (the secret the shop
//! front keeps), expiring `cart.guest_ttl_days` after its last change. `guest_carts.merged_at`
//! marks a cart merged into a signed-in cart: its lines are gone, the row stays until it
//! expires so that a repeated merge changes nothing. No client address or user is kept.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("guest_carts")
                    .col(uuid("id").primary_key())
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("merged_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_guest_carts_expires")
                    .table("guest_carts")
                    .col("expires_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("guest_cart_items")
                    .col(uuid("cart_id"))
                    .col(uuid("variant_id"))
                    .col(big_integer("quantity"))
                    .col(timestamp_with_time_zone("added_at"))
                    .primary_key(Index::create().col("cart_id").col("variant_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_guest_cart_items_cart")
                            .from("guest_cart_items", "cart_id")
                            .to("guest_carts", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_guest_cart_items_variant")
                            .from("guest_cart_items", "variant_id")
                            .to("product_variants", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("guest_cart_items").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("guest_carts").to_owned())
            .await
    }
}
