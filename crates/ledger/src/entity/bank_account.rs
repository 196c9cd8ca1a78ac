//! `stall_bank_accounts`: where a stall's payouts go.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stall_bank_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub stall_id: Uuid,
    pub bank_bin: String,
    pub account_no: String,
    pub account_name: String,
    pub changed_by: Uuid,
    pub changed_at: DateTimeUtc,
    pub usable_from: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
