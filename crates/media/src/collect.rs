//! The collection of photos nothing refers to: a stall's upload that no product, stall,
//! case, review, business document or seller identity names after `media.collect_after` is deleted,
//! and its renditions with it once no other stall's photo has the same pixels.
//!
//! What refers to a photo is a list of columns of the other crates' tables that hold media
//! ids as text (a JSON array, or one id): [`REFERENCES`]. The collection only reads them, by
//! the id's text, so a crate that starts naming media adds its column here.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};

use crate::{
    Media,
    entity::{self, Column},
    error::Result,
    rendition::keys,
};

/// A column whose text names media ids.
#[derive(Clone, Copy, Debug)]
pub struct Reference {
    /// The table.
    pub table: &'static str,
    /// The column.
    pub column: &'static str,
}

/// Every column that refers to photos: products' images, stalls' logos and banners, business
/// documents' and seller identities' evidence, cases' evidence, reviews' photos.
pub const REFERENCES: [Reference; 8] = [
    Reference {
        table: "products",
        column: "images",
    },
    Reference {
        table: "stalls",
        column: "logo",
    },
    Reference {
        table: "stalls",
        column: "banner",
    },
    Reference {
        table: "product_variants",
        column: "images",
    },
    Reference {
        table: "stall_documents",
        column: "evidence_media_ids",
    },
    Reference {
        table: "seller_identities",
        column: "document_media_ids",
    },
    Reference {
        table: "cases",
        column: "media_ids",
    },
    Reference {
        table: "reviews",
        column: "images",
    },
];

/// The most photos one run looks at.
pub const BATCH: u64 = 100;

impl Media {
    /// Deletes up to [`BATCH`] photos older than `media.collect_after` that nothing refers
    /// to, and the renditions no photo has any more; how many photos it deleted.
    pub async fn collect(&self, db: &DatabaseConnection) -> Result<u64> {
        let before = Utc::now() - self.settings().collect_after;
        let candidates = entity::Entity::find()
            .filter(Column::CreatedAt.lt(before))
            .order_by_asc(Column::CreatedAt)
            .limit(BATCH)
            .all(db)
            .await?;
        let mut deleted = 0;
        for photo in candidates {
            if referenced(db, photo.id).await? {
                continue;
            }
            entity::Entity::delete_by_id(photo.id).exec(db).await?;
            deleted += 1;
            let others = entity::Entity::find()
                .filter(Column::ContentHash.eq(&photo.content_hash))
                .count(db)
                .await?;
            if others == 0 {
                for key in keys(&photo.content_hash) {
                    self.store().delete(&key).await?;
                }
            }
            tracing::info!(media = %photo.id, stall = ?photo.stall_id, "unused photo collected");
        }
        Ok(deleted)
    }
}

/// Whether any column of [`REFERENCES`] names `id`.
async fn referenced<C: ConnectionTrait>(db: &C, id: uuid::Uuid) -> Result<bool> {
    let backend = db.get_database_backend();
    let pattern = format!("%{}%", id.hyphenated());
    for r in REFERENCES {
        let placeholder = match backend {
            sea_orm::DbBackend::Postgres => "$1",
            _ => "?",
        };
        let sql = format!(
            "SELECT 1 FROM {} WHERE {} LIKE {placeholder} LIMIT 1",
            r.table, r.column
        );
        let hit = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [pattern.clone().into()],
            ))
            .await?;
        if hit.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The job that collects unused photos, hourly.
pub struct CollectUnused {
    media: Media,
    db: DatabaseConnection,
    every: Duration,
}

impl CollectUnused {
    /// The job over `media` and `db`, run every `every`.
    pub fn new(media: Media, db: DatabaseConnection, every: Duration) -> Self {
        Self { media, db, every }
    }
}

#[jobs::async_trait]
impl jobs::Job for CollectUnused {
    fn kind(&self) -> &'static str {
        "media_collect"
    }

    fn schedule(&self) -> jobs::Schedule {
        jobs::Schedule::Drain {
            batch: BATCH,
            idle: self.every,
        }
    }

    async fn run(&self) -> Result<u64, jobs::JobError> {
        Ok(self.media.collect(&self.db).await?)
    }
}
