//! Cases: a buyer's complaint, return or refund request on a delivered order, the stall's
//! answer, an administrator's decision and every step between them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("cases")
                    .col(uuid("id").primary_key())
                    .col(uuid("order_id"))
                    .col(uuid("buyer_id"))
                    .col(uuid("stall_id"))
                    // `return`, `refund` or `complaint`.
                    .col(string_len("kind", 16))
                    // `open`, `accepted`, `rejected`, `escalated` or `resolved`.
                    .col(string_len("status", 16))
                    .col(string_len("reason", 200))
                    .col(text("description"))
                    // The lines concerned, `[{product_id, quantity}]` (one line per product), as JSON.
                    .col(text("items"))
                    // The evidence's https URLs, as a JSON array.
                    .col(text("evidence"))
                    // Where money goes back when it was not paid by card, as JSON.
                    .col(text_null("refund_account"))
                    // The stall answers by then, or the case goes to the administrators.
                    .col(timestamp_with_time_zone("respond_by"))
                    // `refund` or `reject`, the administrators' decision.
                    .col(string_len_null("decision", 16))
                    .col(big_integer_null("refund_amount"))
                    // `card`, `bank_transfer` or `cod`: how the refund goes back.
                    .col(string_len_null("refund_via", 16))
                    .col(timestamp_with_time_zone_null("goods_received_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("resolved_at"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_cases_order", &["order_id"][..]),
            ("idx_cases_status", &["status", "created_at"][..]),
            ("idx_cases_due", &["status", "respond_by"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table("cases");
            for col in cols {
                index.col(*col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        // One case open per order at a time; both engines take a partial unique index.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_cases_open_per_order ON cases (order_id) \
                 WHERE status <> 'resolved'",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("case_events")
                    .col(uuid("id").primary_key())
                    .col(uuid("case_id"))
                    // `opened`, `message`, `accepted`, `rejected`, `escalated`,
                    // `goods_received` or `resolved`.
                    .col(string_len("kind", 24))
                    // `buyer`, `stall`, `admin` or `deadline` (the marketplace itself).
                    .col(string_len("by", 16))
                    .col(uuid_null("actor_id"))
                    .col(text_null("message"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_events_case")
                            .from("case_events", "case_id")
                            .to("cases", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_case_events_case")
                    .table("case_events")
                    .col("case_id")
                    .col("created_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("case_events").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("cases").to_owned())
            .await
    }
}
