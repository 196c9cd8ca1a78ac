//! The `cart_items` table: one row per buyer and variant of a product (a product's
//! first variant has the product's id).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cart_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub variant_id: Uuid,
    pub quantity: i64,
    pub added_at: DateTimeUtc,
    /// The unit price, in đồng, when the line's quantity was last set (null before it was kept).
    pub unit_price_seen: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
