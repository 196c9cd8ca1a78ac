//! Withholding certificates: `withholding_certificates`, what the marketplace withheld from a
//! household business or individual in a closed month, with both parties' identities as they
//! stood when it was issued, numbered `CT-yyyy-nnnnnn` from `withholding_certificate_counters`
//! (one row per year, raised in the issuing transaction). Never changed: a correction is a new
//! certificate that names the one it `replaces` (unique, so a certificate is replaced once).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("withholding_certificate_counters")
                    .col(integer("year").primary_key())
                    .col(big_integer("last"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("withholding_certificates")
                    .col(pk_uuid("id"))
                    .col(string_len_uniq("number", 20))
                    .col(uuid("stall_id"))
                    .col(string_len("period", 7))
                    .col(big_integer("revenue"))
                    .col(big_integer("vat"))
                    .col(big_integer("pit"))
                    .col(text("seller_name"))
                    .col(string_len("business_type", 40))
                    .col(string_len_null("tax_code", 14))
                    .col(string_len_null("citizen_id", 12))
                    .col(boolean("resident"))
                    .col(text("seller_address"))
                    .col(text("platform_name"))
                    .col(string_len("platform_tax_code", 14))
                    .col(text("platform_address"))
                    .col(timestamp_with_time_zone("issued_at"))
                    .col(uuid_null("issued_by"))
                    .col(string_len_null("replaces", 20).unique_key())
                    .col(text_null("reason"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_withholding_certificates_period")
                            .from("withholding_certificates", "period")
                            .to("tax_periods", "month")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_withholding_certificates_stall_period")
                    .table("withholding_certificates")
                    .col("stall_id")
                    .col("period")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("withholding_certificates").to_owned())
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table("withholding_certificate_counters")
                    .to_owned(),
            )
            .await
    }
}
