//! The `orders` table: one per stall per checkout.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub checkout_id: Uuid,
    pub buyer_id: Uuid,
    pub stall_id: Uuid,
    pub status: String,
    pub subtotal: i64,
    pub payment_method: String,
    pub paid: bool,
    pub shipping_recipient: String,
    pub shipping_phone: String,
    pub shipping_commune_code: String,
    pub shipping_street: String,
    pub note: Option<String>,
    pub tracking_no: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub delivery_fee: i64,
    pub delivery_zone: Option<String>,
    pub delivery_rule: Option<String>,
    pub weight_grams: i64,
    pub shipping_province_code: Option<String>,
    pub shipping_province_name: Option<String>,
    pub shipping_commune_name: Option<String>,
    pub carrier: Option<String>,
    /// Short and unique: what every message names the order by (shown as `#` and it).
    #[sea_orm(unique)]
    pub number: String,
    /// The sum of the order's discounts (`order_discounts`), đồng: its total is subtotal +
    /// delivery fee - discount.
    pub discount: i64,
}

impl ActiveModelBehavior for ActiveModel {}
