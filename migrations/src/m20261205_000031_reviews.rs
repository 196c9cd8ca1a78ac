//! Buyers' reviews of what they received: `reviews`, one per delivered order line (a unique
//! index on `order_item_id`, so two requests racing for one line make one review), with its
//! stars, text, photos, the stall's one public reply and an administrator's hiding; and
//! `review_reports`, what users report of a review, one per user and review.
//!
//! Buyers attach their own photos, which no stall holds: `media.stall_id` becomes nullable
//! (null: the uploader's own photo). PostgreSQL drops the constraint; SQLite, which cannot
//! change a column, copies the table into a new one (nothing refers to `media` by a foreign
//! key: other tables name photos as text).

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("reviews")
                    .col(uuid("id").primary_key())
                    .col(uuid("product_id"))
                    .col(uuid("stall_id"))
                    .col(uuid("order_id"))
                    // The order line reviewed: one review each.
                    .col(uuid("order_item_id"))
                    .col(uuid("author_id"))
                    // The variant bought, as the order line names it.
                    .col(string_len_null("variant_name", 200))
                    // 1 to 5 stars.
                    .col(small_integer("rating"))
                    .col(text("text"))
                    // The photos' media ids, a JSON array.
                    .col(text("images"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("edited_at"))
                    // The stall's one reply, who wrote it and when.
                    .col(text_null("reply_text"))
                    .col(uuid_null("reply_by"))
                    .col(timestamp_with_time_zone_null("replied_at"))
                    // Hidden by an administrator, with why (null: shown).
                    .col(timestamp_with_time_zone_null("hidden_at"))
                    .col(uuid_null("hidden_by"))
                    .col(text_null("hidden_reason"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_reviews_order_item")
                    .table("reviews")
                    .col("order_item_id")
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_reviews_product", &["product_id", "created_at"][..]),
            ("idx_reviews_stall", &["stall_id", "created_at"][..]),
            ("idx_reviews_author", &["author_id"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table("reviews");
            for col in cols {
                index.col(*col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("review_reports")
                    .col(uuid("id").primary_key())
                    .col(uuid("review_id"))
                    .col(uuid("reporter_id"))
                    // `spam`, `offensive`, `personal_data`, `fake` or `other`.
                    .col(string_len("reason", 32))
                    .col(text("detail"))
                    // `open`, or `hidden` once an administrator hid the review.
                    .col(string_len("status", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .col(uuid_null("closed_by"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_reports_review")
                            .from("review_reports", "review_id")
                            .to("reviews", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_review_reports_reporter")
                    .table("review_reports")
                    .col("review_id")
                    .col("reporter_id")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_review_reports_queue")
                    .table("review_reports")
                    .col("status")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        media_stall(manager, true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DELETE FROM media WHERE stall_id IS NULL")
            .await?;
        media_stall(manager, false).await?;
        manager
            .drop_table(Table::drop().table("review_reports").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("reviews").to_owned())
            .await
    }
}

/// Makes `media.stall_id` nullable (or not null again).
async fn media_stall(manager: &SchemaManager<'_>, nullable: bool) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if manager.get_database_backend() == DbBackend::Postgres {
        let change = if nullable { "DROP" } else { "SET" };
        db.execute_unprepared(&format!(
            "ALTER TABLE media ALTER COLUMN stall_id {change} NOT NULL"
        ))
        .await?;
        return Ok(());
    }
    // SQLite: the same table with the column changed, its rows copied, its indexes made again,
    // in one batch on one connection (a pooled connection still reading an older snapshot
    // would not see the steps of another).
    let stall = if nullable {
        uuid_null("stall_id")
    } else {
        uuid("stall_id")
    };
    let create = Table::create()
        .table("media_rebuilt")
        .col(uuid("id").primary_key())
        .col(stall)
        .col(uuid("uploaded_by"))
        .col(string_len("content_hash", 64))
        .col(string_len("source_mime", 16))
        .col(integer("width"))
        .col(integer("height"))
        .col(big_integer("source_bytes"))
        .col(big_integer("bytes"))
        .col(timestamp_with_time_zone("created_at"))
        .foreign_key(
            ForeignKey::create()
                .name("fk_media_stall")
                .from("media_rebuilt", "stall_id")
                .to("stalls", "id"),
        )
        .to_string(SqliteQueryBuilder);
    let batch = [
        create.as_str(),
        "INSERT INTO media_rebuilt (id, stall_id, uploaded_by, content_hash, source_mime, width, \
         height, source_bytes, bytes, created_at) SELECT id, stall_id, uploaded_by, content_hash, \
         source_mime, width, height, source_bytes, bytes, created_at FROM media",
        "DROP TABLE media",
        "ALTER TABLE media_rebuilt RENAME TO media",
        "CREATE UNIQUE INDEX idx_media_stall_hash ON media (stall_id, content_hash)",
        "CREATE INDEX idx_media_hash ON media (content_hash)",
        "CREATE INDEX idx_media_created ON media (created_at)",
    ]
    .join(";\n");
    db.execute_unprepared(&batch).await?;
    Ok(())
}
