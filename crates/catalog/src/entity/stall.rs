//! The `stalls` table.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stalls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub description: String,
    pub commune_code: String,
    pub address: String,
    pub phone: String,
    pub business_type: String,
    pub registration_no: Option<String>,
    pub status: String,
    pub status_reason: Option<String>,
    /// Why a suspended stall is suspended ([`crate::stall::SuspensionCause`]); null otherwise.
    pub suspension_cause: Option<String>,
    pub owner_id: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub approved_at: Option<DateTimeUtc>,
    pub delivery_free_above: Option<i64>,
    pub delivery_flat_fee: Option<i64>,
    pub delivery_own_in_province: bool,
    pub delivery_own_fee: i64,
    /// Whether the seller's identity is verified (told by the compliance office); a stall is
    /// approved only with it.
    pub seller_verified: bool,
    /// The kinds of business documents it holds verified, with their last valid day
    /// (`documents::HeldDocument`s as JSON; told by the compliance office).
    #[sea_orm(column_type = "Text")]
    pub documents_held: String,
    /// The kinds of documents its products wait on that its owner was last told of (a JSON
    /// array of kind keys; null when none): see [`crate::service::Catalog::recheck_documents`].
    #[sea_orm(column_type = "Text", nullable)]
    pub missing_documents_told: Option<String>,
    /// Its logo: a photo uploaded to it (the id's text) or an http(s) URL; null when none.
    #[sea_orm(column_type = "Text", nullable)]
    pub logo: Option<String>,
    /// Its banner: a photo uploaded to it (the id's text) or an http(s) URL; null when none.
    #[sea_orm(column_type = "Text", nullable)]
    pub banner: Option<String>,
    /// How many reviews rate its products (see [`crate::ratings`]).
    pub rating_count: i64,
    /// The sum of their stars.
    pub rating_sum: i64,
}

impl ActiveModelBehavior for ActiveModel {}
