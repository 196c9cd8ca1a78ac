//! The `order_items` table: what was bought, with the name and price at the time.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub product_id: Uuid,
    /// The variant sold (rows older than variants: the product's first, of the product's id).
    pub variant_id: Option<Uuid>,
    /// Its name when sold.
    pub variant_name: Option<String>,
    pub name: String,
    pub unit: String,
    pub unit_price: i64,
    /// The variant's regular price when sold (the price before a promotion; `unit_price` is
    /// what was charged, a sale's during its window); null for lines sold before it was kept.
    pub regular_unit_price: Option<i64>,
    pub quantity: i64,
}

impl ActiveModelBehavior for ActiveModel {}
