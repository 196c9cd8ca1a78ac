//! Decree 117's monthly declaration, closed: `tax_periods`, one row per month an administrator
//! closed (its totals, who closed it and when), and `tax_period_sellers`, each withheld
//! seller's figures as declared for that month (identity as it stood, revenue, VAT and PIT,
//! and what a net negative carries to the next month). Once written they never change: late
//! events land in the next open month. Also the seller's residency for personal income tax
//! on `stall_tax_profiles` (non-resident individuals have their own PIT rates).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("tax_periods")
                    .col(string_len("month", 7).primary_key())
                    .col(timestamp_with_time_zone("closed_at"))
                    .col(uuid_null("closed_by"))
                    .col(integer("sellers"))
                    .col(big_integer("revenue"))
                    .col(big_integer("vat"))
                    .col(big_integer("pit"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("tax_period_sellers")
                    .col(string_len("month", 7))
                    .col(uuid("stall_id"))
                    .col(text("name"))
                    .col(string_len("business_type", 40))
                    .col(string_len_null("tax_code", 14))
                    .col(string_len_null("citizen_id", 12))
                    .col(boolean("resident"))
                    .col(text("address"))
                    .col(big_integer("revenue"))
                    .col(big_integer("vat"))
                    .col(big_integer("pit"))
                    .col(big_integer("carry_revenue"))
                    .col(big_integer("carry_vat"))
                    .col(big_integer("carry_pit"))
                    .primary_key(Index::create().col("month").col("stall_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tax_period_sellers_month")
                            .from("tax_period_sellers", "month")
                            .to("tax_periods", "month")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("stall_tax_profiles")
                    .add_column(boolean("resident").default(true))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("stall_tax_profiles")
                    .drop_column("resident")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("tax_period_sellers").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("tax_periods").to_owned())
            .await
    }
}
