//! The `stall_documents` table: every business document a stall's owner submitted, one row per
//! submission.
#![allow(missing_docs, reason = "sea-orm generates the entities' items")]

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stall_documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub stall_id: Uuid,
    /// A kind's key (config/compliance/documents.toml).
    pub kind: String,
    pub number: String,
    pub issued_by: String,
    pub issued_on: Date,
    /// Its last valid day.
    pub expires_on: Option<Date>,
    /// A JSON array of https URLs.
    #[sea_orm(column_type = "Text")]
    pub evidence_urls: String,
    /// A JSON array of media ids.
    #[sea_orm(column_type = "Text")]
    pub evidence_media_ids: String,
    /// [`crate::documents::DocumentStatus`].
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub rejection_reason: Option<String>,
    pub submitted_by: Uuid,
    /// The administrator who verified or rejected it.
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTimeUtc>,
    /// The last expiry notice sent ([`crate::documents::ExpiryNotice`]).
    pub expiry_notice: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
