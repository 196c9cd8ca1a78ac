//! The `order_discounts` table: one row per voucher applied to an order, with the parts of its
//! discount on the goods and on the delivery fee (đồng) and who funds it (`platform` or
//! `stall`). An order's `discount` is the sum of its rows' two parts.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_discounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub voucher_id: Uuid,
    /// The voucher's code, upper-case, as the buyer sees it on the order.
    pub code: String,
    /// `platform` or `stall`.
    pub funded_by: String,
    pub goods_amount: i64,
    pub delivery_amount: i64,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
