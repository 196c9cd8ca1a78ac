//! Withholding certificates of a span of months: `withholding_span_certificates`, what the
//! marketplace withheld from a household business or individual over consecutive closed months
//! (`from_month` to `to_month`, both closed: each names a row of `tax_periods`), the sums of
//! the months' declared figures, with both parties' identities as they stood when it was
//! issued. Numbered from the monthly certificates' counter, so a number names one certificate
//! of either kind. Never changed: a correction is a new certificate that names the one it
//! `replaces` (unique); one original per stall and span (a partial unique index), so asking
//! twice at once issues one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "withholding_span_certificates";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TABLE)
                    .col(pk_uuid("id"))
                    .col(string_len_uniq("number", 20))
                    .col(uuid("stall_id"))
                    .col(string_len("from_month", 7))
                    .col(string_len("to_month", 7))
                    .col(integer("months"))
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
                            .name("fk_withholding_span_certificates_from")
                            .from(TABLE, "from_month")
                            .to("tax_periods", "month")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_withholding_span_certificates_to")
                            .from(TABLE, "to_month")
                            .to("tax_periods", "month")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_withholding_span_certificates_original \
                 ON withholding_span_certificates (stall_id, from_month, to_month) \
                 WHERE replaces IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TABLE).to_owned())
            .await
    }
}
