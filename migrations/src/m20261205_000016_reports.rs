//! Reports of listings and their takedowns: what anyone reports of a product or a stall, what
//! a competent authority asks to be removed (with the 24-hour clock of Decree 85/2021), and
//! each takedown an administrator decides, with the stall's request for review.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("reports")
                    .col(uuid("id").primary_key())
                    // `user_report` or `authority_request`.
                    .col(string_len("kind", 24))
                    // `product` or `stall`, and which one; `stall_id` is the stall concerned
                    // (the product's stall for a product).
                    .col(string_len("subject_type", 16))
                    .col(uuid("subject_id"))
                    .col(uuid("stall_id"))
                    // The subject's name when it was reported, for the queue.
                    .col(string_len("subject_name", 200))
                    // The reporter's reason from the fixed list; null for an authority's request.
                    .col(string_len_null("reason", 32))
                    .col(text("detail"))
                    // The evidence's https URLs, as a JSON array.
                    .col(text("evidence"))
                    // Who filed it (null: anonymous; an administrator for an authority's request).
                    .col(uuid_null("reporter_id"))
                    .col(string_len_null("authority", 200))
                    .col(string_len_null("reference", 100))
                    .col(timestamp_with_time_zone_null("received_at"))
                    .col(timestamp_with_time_zone_null("due_at"))
                    // `open`, `taken_down` or `dismissed`.
                    .col(string_len("status", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .col(uuid_null("closed_by"))
                    .col(text_null("resolution"))
                    .col(uuid_null("takedown_id"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_reports_queue", &["status", "kind", "created_at"][..]),
            ("idx_reports_subject", &["subject_id", "status"][..]),
            ("idx_reports_reporter", &["reporter_id"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table("reports");
            for col in cols {
                index.col(*col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        // One open report per user and subject: a user repeating a report adds nothing to the
        // queue. Both engines take a partial unique index.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_reports_open_per_reporter ON reports (reporter_id, subject_id) \
                 WHERE status = 'open' AND kind = 'user_report' AND reporter_id IS NOT NULL",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("takedowns")
                    .col(uuid("id").primary_key())
                    .col(string_len("subject_type", 16))
                    .col(uuid("subject_id"))
                    .col(uuid("stall_id"))
                    .col(string_len("subject_name", 200))
                    .col(text("reason"))
                    // The report it was decided on (every open report of the subject closes).
                    .col(uuid("report_id"))
                    .col(uuid("taken_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    // `in_force`, `review_requested` or `lifted`.
                    .col(string_len("status", 24))
                    .col(text_null("review_message"))
                    .col(uuid_null("review_requested_by"))
                    .col(timestamp_with_time_zone_null("review_requested_at"))
                    .col(uuid_null("decided_by"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(text_null("decision_reason"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_takedowns_report")
                            .from("takedowns", "report_id")
                            .to("reports", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_takedowns_stall", &["stall_id"][..]),
            ("idx_takedowns_subject", &["subject_id", "status"][..]),
            (
                "idx_takedowns_status",
                &["status", "review_requested_at"][..],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table("takedowns");
            for col in cols {
                index.col(*col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("takedowns").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("reports").to_owned())
            .await
    }
}
