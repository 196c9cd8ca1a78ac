//! The `product_variants` table: the ways a product is sold, each with its own price and stock.
//! The first (`position` 0) of a product made before variants has the product's id.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_variants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub product_id: Uuid,
    pub position: i32,
    pub name: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub price: i64,
    pub compare_at_price: Option<i64>,
    /// The price in force during `[sale_starts_at, sale_ends_at)`; the three are set together.
    pub sale_price: Option<i64>,
    pub sale_starts_at: Option<DateTimeUtc>,
    pub sale_ends_at: Option<DateTimeUtc>,
    pub stock: i64,
    pub weight_grams: Option<i32>,
    /// A JSON array of media ids or URLs; empty: the product's images.
    #[sea_orm(column_type = "Text")]
    pub images: String,
    pub sales_count: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
