//! Pack sizes: `product_variants`, one row per way a product is sold ("Chai 500 ml", "Hộp 3
//! chai"), each with its own price, stock, weight and SKU. Every existing product gets one
//! variant whose id is the product's own, so a cart line or order line naming a product still
//! names what it named. A product keeps `price` (its cheapest variant's), `price_max` (its
//! dearest's), `stock` and
//! `sales_count` (its variants' sums) for lists, sorts and search. Cart lines are per variant;
//! order lines keep the variant they sold and its name.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        manager
            .create_table(
                Table::create()
                    .table("product_variants")
                    .col(uuid("id").primary_key())
                    .col(uuid("product_id"))
                    // Its place in the product's list, from 0 (the first is the default).
                    .col(integer("position"))
                    .col(string_len("name", 100))
                    .col(string_len_null("sku", 64))
                    .col(string_len_null("barcode", 14))
                    .col(big_integer("price"))
                    .col(big_integer_null("compare_at_price"))
                    .col(big_integer("stock"))
                    .col(integer_null("weight_grams"))
                    // Its own images (a JSON array of media ids or URLs), `[]`: the product's.
                    .col(text("images"))
                    .col(big_integer("sales_count").default(0))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_variants_product")
                            .from("product_variants", "product_id")
                            .to("products", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_variants_product")
                    .table("product_variants")
                    .col("product_id")
                    .col("position")
                    .to_owned(),
            )
            .await?;
        // The dearest variant's price, beside `price` (the cheapest): search filters and sorts
        // by the range.
        manager
            .alter_table(
                Table::alter()
                    .table("products")
                    .add_column(big_integer("price_max").default(0).to_owned())
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("UPDATE products SET price_max = price")
            .await?;
        db.execute_unprepared(
            "INSERT INTO product_variants (id, product_id, position, name, sku, barcode, price, \
             compare_at_price, stock, weight_grams, images, sales_count, created_at, updated_at) \
             SELECT id, id, 0, unit, NULL, NULL, price, NULL, stock, weight_grams, '[]', \
             sales_count, created_at, updated_at FROM products",
        )
        .await?;

        // Cart lines name a variant: the table is made again (its key changes), each line
        // naming its product's default variant, whose id is the product's.
        let builder = db.get_database_backend();
        let create = cart_items("cart_items_new", "variant_id", "product_variants");
        let create = match builder {
            DbBackend::Sqlite => create.to_string(SqliteQueryBuilder),
            DbBackend::Postgres => create.to_string(PostgresQueryBuilder),
            _ => create.to_string(MysqlQueryBuilder),
        };
        db.execute_unprepared(&format!(
            "{create}; \
             INSERT INTO cart_items_new (user_id, variant_id, quantity, added_at) \
             SELECT user_id, product_id, quantity, added_at FROM cart_items; \
             DROP TABLE cart_items; \
             ALTER TABLE cart_items_new RENAME TO cart_items"
        ))
        .await?;

        for col in [
            uuid_null("variant_id"),
            string_len_null("variant_name", 100),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("order_items")
                        .add_column(col.to_owned())
                        .to_owned(),
                )
                .await?;
        }
        db.execute_unprepared(
            "UPDATE order_items SET variant_id = product_id, \
             variant_name = (SELECT v.name FROM product_variants v WHERE v.id = order_items.product_id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for col in ["variant_name", "variant_id"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("order_items")
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        let create = cart_items("cart_items_old", "product_id", "products");
        let create = match db.get_database_backend() {
            DbBackend::Sqlite => create.to_string(SqliteQueryBuilder),
            DbBackend::Postgres => create.to_string(PostgresQueryBuilder),
            _ => create.to_string(MysqlQueryBuilder),
        };
        // A line of another variant than the default goes to its product (one line each).
        db.execute_unprepared(&format!(
            "{create}; \
             INSERT INTO cart_items_old (user_id, product_id, quantity, added_at) \
             SELECT c.user_id, v.product_id, MAX(c.quantity), MIN(c.added_at) FROM cart_items c \
             JOIN product_variants v ON v.id = c.variant_id GROUP BY c.user_id, v.product_id; \
             DROP TABLE cart_items; \
             ALTER TABLE cart_items_old RENAME TO cart_items"
        ))
        .await?;
        manager
            .drop_table(Table::drop().table("product_variants").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("products")
                    .drop_column("price_max")
                    .to_owned(),
            )
            .await
    }
}

/// The cart lines' table under `name`, keyed by user and `key` (a row of `to`).
fn cart_items(name: &'static str, key: &'static str, to: &'static str) -> TableCreateStatement {
    Table::create()
        .table(name)
        .col(uuid("user_id"))
        .col(uuid(key))
        .col(big_integer("quantity"))
        .col(timestamp_with_time_zone("added_at"))
        .primary_key(Index::create().col("user_id").col(key))
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk_{name}_user"))
                .from(name, "user_id")
                .to("users", "id")
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk_{name}_line"))
                .from(name, key)
                .to(to, "id")
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}
