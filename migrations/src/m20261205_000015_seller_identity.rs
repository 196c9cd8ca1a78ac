//! Seller identity (the E-commerce Law: a seller is identified before trading).
//!
//! - `seller_identities`: one identity per stall, submitted by its owner, checked by an
//!   administrator (or a provider); a resubmission replaces a pending or rejected one.
//! - `identity_grace`: when an approved stall without a verified identity first came under the
//!   rule, and which notices it has had; after the grace period it is suspended.
//! - `stalls.seller_verified`: the fact the catalogue enforces (no approval without it). Every
//!   stall starts without it, those already approved included: they get the grace period.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("stalls")
                    .add_column(boolean("seller_verified").default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("seller_identities")
                    .col(uuid("stall_id").primary_key())
                    // A new id with each submission: a provider's late answer about an older
                    // submission changes nothing.
                    .col(uuid("submission_id"))
                    .col(string_len("method", 24))
                    .col(string_len("full_name", 100))
                    .col(string_len("id_number", 20))
                    .col(date("date_of_birth"))
                    // JSON arrays of https URLs and of media ids.
                    .col(text("document_urls"))
                    .col(text("document_media_ids"))
                    .col(string_len("status", 16))
                    .col(text_null("reason"))
                    .col(uuid("submitted_by"))
                    .col(timestamp_with_time_zone("submitted_at"))
                    .col(uuid_null("reviewed_by"))
                    .col(timestamp_with_time_zone_null("reviewed_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("seller_identities_queue")
                    .table("seller_identities")
                    .col("status")
                    .col("submitted_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("identity_grace")
                    .col(uuid("stall_id").primary_key())
                    .col(timestamp_with_time_zone("started_at"))
                    .col(timestamp_with_time_zone_null("warned_at"))
                    .col(timestamp_with_time_zone_null("suspended_at"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["identity_grace", "seller_identities"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("stalls")
                    .drop_column("seller_verified")
                    .to_owned(),
            )
            .await
    }
}
