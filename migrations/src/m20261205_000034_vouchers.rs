//! Vouchers: `vouchers`, discount codes funded by the platform (made by an administrator) or by
//! a stall (made by its owner, valid only on its products), each with its kind (`percent`,
//! `fixed`, `free_delivery`), value, limits, window and `used_count`; `voucher_buyer_uses`, how
//! many times each buyer used each voucher (the per-buyer limit, counted by a conditional
//! update as `used_count` is); `voucher_redemptions`, one per voucher per checkout that used it
//! (so a use is given back once, when the checkout's discounted orders are all cancelled);
//! `order_discounts`, one row per voucher applied to an order, with the goods and delivery
//! parts of its discount in đồng and who funds it; and `orders.discount`, the sum of an order's
//! discounts (its total is subtotal + delivery fee - discount).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(vouchers()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_vouchers_stall")
                    .table("vouchers")
                    .col("stall_id")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        manager.create_table(buyer_uses()).await?;
        manager.create_table(redemptions()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_voucher_redemptions_checkout")
                    .table("voucher_redemptions")
                    .col("checkout_id")
                    .to_owned(),
            )
            .await?;
        manager.create_table(order_discounts()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_order_discounts_order")
                    .table("order_discounts")
                    .col("order_id")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("orders")
                    .add_column(big_integer("discount").default(0).to_owned())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("orders")
                    .drop_column("discount")
                    .to_owned(),
            )
            .await?;
        for table in [
            "order_discounts",
            "voucher_redemptions",
            "voucher_buyer_uses",
            "vouchers",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

fn vouchers() -> TableCreateStatement {
    Table::create()
        .table("vouchers")
        .col(uuid("id").primary_key())
        // Upper-case, unique across the floor.
        .col(string_len("code", 32).unique_key())
        // `percent` | `fixed` | `free_delivery`.
        .col(string_len("kind", 16))
        .col(big_integer("value"))
        .col(big_integer_null("min_subtotal"))
        .col(big_integer_null("max_discount"))
        .col(timestamp_with_time_zone("starts_at"))
        .col(timestamp_with_time_zone("ends_at"))
        .col(big_integer_null("usage_limit"))
        .col(big_integer_null("per_buyer_limit"))
        .col(uuid_null("category_id"))
        .col(boolean("concentrated").default(false))
        // `platform` | `stall`; a stall's voucher names it.
        .col(string_len("funded_by", 8))
        .col(uuid_null("stall_id"))
        .col(big_integer("used_count").default(0))
        .col(boolean("active").default(true))
        .col(uuid("created_by"))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
        .foreign_key(
            ForeignKey::create()
                .name("fk_vouchers_stall")
                .from("vouchers", "stall_id")
                .to("stalls", "id")
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn buyer_uses() -> TableCreateStatement {
    Table::create()
        .table("voucher_buyer_uses")
        .col(uuid("voucher_id"))
        .col(uuid("buyer_id"))
        .col(big_integer("used_count").default(0))
        .primary_key(Index::create().col("voucher_id").col("buyer_id"))
        .foreign_key(
            ForeignKey::create()
                .name("fk_voucher_buyer_uses_voucher")
                .from("voucher_buyer_uses", "voucher_id")
                .to("vouchers", "id")
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn redemptions() -> TableCreateStatement {
    Table::create()
        .table("voucher_redemptions")
        .col(uuid("voucher_id"))
        .col(uuid("checkout_id"))
        .col(uuid("buyer_id"))
        .col(timestamp_with_time_zone("created_at"))
        // Set when the use was given back (every order it discounted cancelled).
        .col(timestamp_with_time_zone_null("released_at"))
        .primary_key(Index::create().col("voucher_id").col("checkout_id"))
        .foreign_key(
            ForeignKey::create()
                .name("fk_voucher_redemptions_voucher")
                .from("voucher_redemptions", "voucher_id")
                .to("vouchers", "id")
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn order_discounts() -> TableCreateStatement {
    Table::create()
        .table("order_discounts")
        .col(uuid("id").primary_key())
        .col(uuid("order_id"))
        .col(uuid("voucher_id"))
        .col(string_len("code", 32))
        // `platform` | `stall`.
        .col(string_len("funded_by", 8))
        .col(big_integer("goods_amount"))
        .col(big_integer("delivery_amount"))
        .col(timestamp_with_time_zone("created_at"))
        .foreign_key(
            ForeignKey::create()
                .name("fk_order_discounts_order")
                .from("order_discounts", "order_id")
                .to("orders", "id")
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}
