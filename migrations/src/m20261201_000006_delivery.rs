//! Buyers anywhere in the country: an address book, the province and names kept on each order's
//! address, a delivery fee per order (zone, weight and the rule that priced it), the carrier,
//! and each stall's own delivery rules. Orders placed before carry a zero fee and their old
//! commune. Xã Phong Nha's code becomes the national map's.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Columns added one statement each (SQLite alters one column at a time).
async fn add(
    manager: &SchemaManager<'_>,
    table: &'static str,
    col: &mut ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(col).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("addresses")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(string_len("recipient", 100))
                    .col(string_len("phone", 20))
                    .col(string_len("province_code", 8))
                    .col(string_len("commune_code", 8))
                    .col(string_len("street", 255))
                    .col(boolean("is_default").default(false))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_addresses_user")
                            .from("addresses", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_addresses_user")
                    .table("addresses")
                    .col("user_id")
                    .to_owned(),
            )
            .await?;

        // A stall's own delivery rules; none set: the rate table prices its orders.
        add(
            manager,
            "stalls",
            &mut big_integer_null("delivery_free_above"),
        )
        .await?;
        add(
            manager,
            "stalls",
            &mut big_integer_null("delivery_flat_fee"),
        )
        .await?;
        add(
            manager,
            "stalls",
            boolean("delivery_own_in_province").default(false),
        )
        .await?;
        add(
            manager,
            "stalls",
            big_integer("delivery_own_fee").default(0),
        )
        .await?;

        add(manager, "orders", big_integer("delivery_fee").default(0)).await?;
        // `same_commune`, `same_province`, `same_region`, `other_region`; none before this.
        add(manager, "orders", &mut string_len_null("delivery_zone", 24)).await?;
        // `table`, `flat`, `free_above`, `own_delivery`; none before this.
        add(manager, "orders", &mut string_len_null("delivery_rule", 16)).await?;
        add(manager, "orders", big_integer("weight_grams").default(0)).await?;
        add(
            manager,
            "orders",
            &mut string_len_null("shipping_province_code", 8),
        )
        .await?;
        add(
            manager,
            "orders",
            &mut string_len_null("shipping_province_name", 100),
        )
        .await?;
        add(
            manager,
            "orders",
            &mut string_len_null("shipping_commune_name", 100),
        )
        .await?;
        add(manager, "orders", &mut string_len_null("carrier", 64)).await?;

        let db = manager.get_connection();
        for (table, column) in [
            ("stalls", "commune_code"),
            ("products", "origin_commune_code"),
        ] {
            db.execute_unprepared(&format!(
                "UPDATE {table} SET {column} = '19165' WHERE {column} = '19138'"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("addresses").to_owned())
            .await?;
        for (table, column) in [
            ("stalls", "delivery_free_above"),
            ("stalls", "delivery_flat_fee"),
            ("stalls", "delivery_own_in_province"),
            ("stalls", "delivery_own_fee"),
            ("orders", "delivery_fee"),
            ("orders", "delivery_zone"),
            ("orders", "delivery_rule"),
            ("orders", "weight_grams"),
            ("orders", "shipping_province_code"),
            ("orders", "shipping_province_name"),
            ("orders", "shipping_commune_name"),
            ("orders", "carrier"),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
