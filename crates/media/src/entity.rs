//! The `media` table: one row per photo a stall (or a user) holds. Its renditions are objects named by
//! `content_hash` ([`crate::rendition::key`]), shared by every row of the same pixels.
#![allow(missing_docs, reason = "sea-orm generates the entities' items")]

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The stall it belongs to (its quota, who may use it); null for a user's own photo (a
    /// buyer's, for a review), which its uploader alone may use.
    pub stall_id: Option<Uuid>,
    /// The user who uploaded it.
    pub uploaded_by: Uuid,
    /// SHA-256 of the upright pixels, 64 hex digits.
    pub content_hash: String,
    /// What the upload was, by its content ([`crate::SourceFormat::mime`]).
    pub source_mime: String,
    /// The upright picture's width and height.
    pub width: i32,
    pub height: i32,
    /// The bytes the upload had (discarded once processed).
    pub source_bytes: i64,
    /// The bytes its renditions take in the store (what the stall's quota counts).
    pub bytes: i64,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
