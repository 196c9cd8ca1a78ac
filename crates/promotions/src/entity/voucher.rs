//! The `vouchers` table: one per discount code.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vouchers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Upper-case, unique across the floor.
    #[sea_orm(unique)]
    pub code: String,
    pub kind: String,
    pub value: i64,
    pub min_subtotal: Option<i64>,
    pub max_discount: Option<i64>,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub usage_limit: Option<i64>,
    pub per_buyer_limit: Option<i64>,
    pub category_id: Option<Uuid>,
    pub concentrated: bool,
    pub funded_by: String,
    pub stall_id: Option<Uuid>,
    pub used_count: i64,
    pub active: bool,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
