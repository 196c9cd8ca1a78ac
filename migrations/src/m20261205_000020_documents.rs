//! Business documents of stalls (business registration, food-safety certificate, alcohol
//! licence, ...), and what the catalogue keeps of them to decide what the public sees.
//!
//! - `stall_documents`: every document a stall's owner submitted, one row per submission
//!   (history is kept): `submitted` until an administrator verifies or rejects it; a newer
//!   submission of a kind supersedes the pending one, and a newer one verified supersedes the
//!   verified one it renews. `expiry_notice` is the last expiry notice sent (`days_30`,
//!   `days_7`, `expired`), so each is sent once.
//! - `stalls.documents_held`: the kinds the stall holds verified, with their last valid day
//!   (a JSON array, told by the compliance office).
//! - `products.missing_documents`: the kinds the product's category requires that its stall
//!   lacks (a JSON array; null when none): a product lacking one is not public. Every product
//!   starts with none; the daily document job computes them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("stall_documents")
                    .col(uuid("id").primary_key())
                    .col(uuid("stall_id"))
                    .col(string_len("kind", 64))
                    .col(string_len("number", 64))
                    .col(string_len("issued_by", 200))
                    .col(date("issued_on"))
                    .col(date_null("expires_on"))
                    // JSON arrays of https URLs and of media ids.
                    .col(text("evidence_urls"))
                    .col(text("evidence_media_ids"))
                    // `submitted`, `verified`, `rejected` or `superseded`.
                    .col(string_len("status", 16))
                    .col(text_null("rejection_reason"))
                    .col(uuid("submitted_by"))
                    .col(uuid_null("reviewed_by"))
                    .col(timestamp_with_time_zone_null("reviewed_at"))
                    // `days_30`, `days_7` or `expired`.
                    .col(string_len_null("expiry_notice", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stall_documents_stall")
                            .from("stall_documents", "stall_id")
                            .to("stalls", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_stall_documents_stall", &["stall_id", "kind"][..]),
            ("idx_stall_documents_queue", &["status", "created_at"][..]),
            ("idx_stall_documents_expiry", &["status", "expires_on"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table("stall_documents");
            for c in cols {
                index.col(*c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("stalls")
                    .add_column(text("documents_held").default("[]"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("products")
                    .add_column(text_null("missing_documents"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("products")
                    .drop_column("missing_documents")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("stalls")
                    .drop_column("documents_held")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("stall_documents").to_owned())
            .await
    }
}
