//! Carriers' remittances of cash on delivery: `cod_remittances`, one per statement an
//! administrator uploaded (the carrier, its reference, the day it remitted, who uploaded it,
//! its totals and the digest of what was sent: a unique index on the digest makes the same
//! statement uploaded twice one statement, and one on the carrier and reference keeps a
//! reference to one statement); and `cod_remittance_lines`, its lines as sent, each with the
//! order it was matched to and the result (`matched`, or the mismatch held for an
//! administrator: `unknown_order`, `amount_mismatch`, `already_remitted`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("cod_remittances")
                    .col(uuid("id").primary_key())
                    // The carrier's name as configured (`ghn`).
                    .col(string_len("carrier", 32))
                    // The carrier's own reference of the statement (its transfer's).
                    .col(string_len("reference", 64))
                    // The day the carrier remitted, Vietnam's calendar.
                    .col(date("remitted_on"))
                    .col(uuid("uploaded_by"))
                    // SHA-256 of the carrier, reference, day and the body as sent (hex).
                    .col(string_len("digest", 64))
                    .col(integer("line_count"))
                    .col(integer("matched_count"))
                    // Sums of the lines as sent, đồng: the cash and the fees.
                    .col(big_integer("cod_total"))
                    .col(big_integer("fee_total"))
                    // What was written to the ledger as remitted (the matched lines' cash).
                    .col(big_integer("booked_total"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("uq_cod_remittances_digest", &["digest"][..]),
            (
                "uq_cod_remittances_reference",
                &["carrier", "reference"][..],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table("cod_remittances").unique();
            for col in cols {
                index.col(*col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("cod_remittance_lines")
                    .col(uuid("id").primary_key())
                    .col(uuid("remittance_id"))
                    // Its place in the statement, from 1.
                    .col(integer("line_no"))
                    // As the carrier wrote them: its waybill, our order number.
                    .col(string_len_null("tracking_no", 64))
                    .col(string_len_null("order_number", 32))
                    .col(big_integer("cod_amount"))
                    .col(big_integer("fee"))
                    // The order it was matched to, and its stall.
                    .col(uuid_null("order_id"))
                    .col(uuid_null("stall_id"))
                    // What the carrier held of the order's cash when the line was read.
                    .col(big_integer_null("expected"))
                    // `matched`, `unknown_order`, `amount_mismatch`, `already_remitted`.
                    .col(string_len("result", 24))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_cod_remittance_lines_remittance")
                            .from("cod_remittance_lines", "remittance_id")
                            .to("cod_remittances", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_cod_remittance_lines_remittance",
                &["remittance_id", "line_no"][..],
            ),
            ("idx_cod_remittance_lines_order", &["order_id"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table("cod_remittance_lines");
            for col in cols {
                index.col(*col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("cod_remittance_lines").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("cod_remittances").to_owned())
            .await
    }
}
