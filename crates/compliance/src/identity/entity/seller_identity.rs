//! The `seller_identities` table: a stall's seller identity, replaced by each resubmission.
#![allow(missing_docs, reason = "sea-orm generates the entities' items")]

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "seller_identities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub stall_id: Uuid,
    /// New with each submission, so an answer about an older one changes nothing.
    pub submission_id: Uuid,
    /// [`crate::identity::IdentityMethod`].
    pub method: String,
    pub full_name: String,
    /// Personal data: whole only to the stall's owner and administrators.
    pub id_number: String,
    pub date_of_birth: Date,
    /// A JSON array of https URLs.
    pub document_urls: String,
    /// A JSON array of media ids.
    pub document_media_ids: String,
    /// [`crate::identity::IdentityStatus`].
    pub status: String,
    /// Why it was rejected.
    pub reason: Option<String>,
    pub submitted_by: Uuid,
    pub submitted_at: DateTimeUtc,
    /// The administrator who verified or rejected it; none when a provider answered.
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
