//! Carts, checkouts (with their idempotency keys), orders per stall, their items (names and
//! prices as sold) and the history of every status change.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    name: &str,
    from: (&'static str, &'static str),
    to: (&'static str, &'static str),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("cart_items")
                    .col(uuid("user_id"))
                    .col(uuid("product_id"))
                    .col(big_integer("quantity"))
                    .col(timestamp_with_time_zone("added_at"))
                    .primary_key(Index::create().col("user_id").col("product_id"))
                    .foreign_key(&mut fk(
                        "fk_cart_user",
                        ("cart_items", "user_id"),
                        ("users", "id"),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_cart_product",
                        ("cart_items", "product_id"),
                        ("products", "id"),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("checkouts")
                    .col(pk_uuid("id"))
                    .col(uuid("buyer_id"))
                    .col(string_len("idempotency_key", 200))
                    // SHA-256 of the request body: the same key with another body is refused.
                    .col(string_len("request_hash", 64))
                    .col(big_integer("total"))
                    .col(string_len("payment_method", 16))
                    .col(string_len("status", 24))
                    .col(string_len_null("payment_intent_id", 255))
                    .col(string_len_null("client_secret", 255))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .foreign_key(&mut fk(
                        "fk_checkouts_buyer",
                        ("checkouts", "buyer_id"),
                        ("users", "id"),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_checkouts_buyer_key")
                    .table("checkouts")
                    .col("buyer_id")
                    .col("idempotency_key")
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("orders")
                    .col(pk_uuid("id"))
                    .col(uuid("checkout_id"))
                    .col(uuid("buyer_id"))
                    .col(uuid("stall_id"))
                    .col(string_len("status", 24))
                    .col(big_integer("subtotal"))
                    .col(string_len("payment_method", 16))
                    .col(boolean("paid").default(false))
                    .col(string_len("shipping_recipient", 100))
                    .col(string_len("shipping_phone", 16))
                    .col(string_len("shipping_commune_code", 10))
                    .col(string_len("shipping_street", 255))
                    .col(text_null("note"))
                    .col(string_len_null("tracking_no", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "fk_orders_checkout",
                        ("orders", "checkout_id"),
                        ("checkouts", "id"),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_orders_stall",
                        ("orders", "stall_id"),
                        ("stalls", "id"),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_orders_buyer_created", &["buyer_id", "created_at"][..]),
            ("idx_orders_stall_status", &["stall_id", "status"][..]),
            ("idx_orders_checkout", &["checkout_id"][..]),
        ] {
            let mut idx = Index::create().name(name).table("orders").to_owned();
            for c in cols {
                idx.col(*c);
            }
            manager.create_index(idx).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("order_items")
                    .col(pk_uuid("id"))
                    .col(uuid("order_id"))
                    .col(uuid("product_id"))
                    .col(string_len("name", 150))
                    .col(string_len("unit", 50))
                    .col(big_integer("unit_price"))
                    .col(big_integer("quantity"))
                    .foreign_key(&mut fk(
                        "fk_items_order",
                        ("order_items", "order_id"),
                        ("orders", "id"),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_order_items_order")
                    .table("order_items")
                    .col("order_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("order_events")
                    .col(pk_uuid("id"))
                    .col(uuid("order_id"))
                    .col(string_len_null("from_status", 24))
                    .col(string_len("to_status", 24))
                    .col(uuid_null("actor_id"))
                    .col(text_null("reason"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        "fk_events_order",
                        ("order_events", "order_id"),
                        ("orders", "id"),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_order_events_order")
                    .table("order_events")
                    .col("order_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "order_events",
            "order_items",
            "orders",
            "checkouts",
            "cart_items",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
