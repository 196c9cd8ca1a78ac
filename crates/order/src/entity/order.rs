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
}

impl ActiveModelBehavior for ActiveModel {}
