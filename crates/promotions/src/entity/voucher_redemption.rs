//! The `voucher_redemptions` table: a voucher used by one checkout, until given back.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "voucher_redemptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub voucher_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub checkout_id: Uuid,
    pub buyer_id: Uuid,
    pub created_at: DateTimeUtc,
    pub released_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
