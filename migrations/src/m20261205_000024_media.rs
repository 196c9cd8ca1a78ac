//! Photos stalls upload: `media`, one row per photo a stall holds. Its renditions are objects
//! in the media store named by `content_hash` (SHA-256 of the upright pixels), shared by the
//! rows of every stall that uploaded the same pixels; a stall holds one row per hash.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("media")
                    .col(uuid("id").primary_key())
                    .col(uuid("stall_id"))
                    .col(uuid("uploaded_by"))
                    .col(string_len("content_hash", 64))
                    // `image/jpeg`, `image/png` or `image/webp`: what the upload was.
                    .col(string_len("source_mime", 16))
                    .col(integer("width"))
                    .col(integer("height"))
                    .col(big_integer("source_bytes"))
                    // What its renditions take in the store (the stall's quota).
                    .col(big_integer("bytes"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_media_stall")
                            .from("media", "stall_id")
                            .to("stalls", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_media_stall_hash")
                    .table("media")
                    .col("stall_id")
                    .col("content_hash")
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_media_hash", "content_hash"),
            ("idx_media_created", "created_at"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("media")
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("media").to_owned())
            .await
    }
}
