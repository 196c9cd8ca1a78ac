//! The `refund_accounts` table: the bank account a buyer gave for an order's refund paid by
//! hand (a bank transfer's, cash on delivery's), one per order.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refund_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    pub bank_bin: String,
    pub account_no: String,
    pub account_name: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
