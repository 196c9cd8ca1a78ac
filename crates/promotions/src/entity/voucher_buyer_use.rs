//! The `voucher_buyer_uses` table: how many times a buyer used a voucher.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "voucher_buyer_uses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub voucher_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub buyer_id: Uuid,
    pub used_count: i64,
}

impl ActiveModelBehavior for ActiveModel {}
