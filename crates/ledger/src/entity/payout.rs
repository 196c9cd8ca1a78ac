//! `payouts`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payouts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub batch_id: Option<Uuid>,
    pub stall_id: Uuid,
    pub amount: i64,
    pub bank_bin: String,
    pub account_no: String,
    pub account_name: String,
    #[sea_orm(unique)]
    pub reference: String,
    pub qr_payload: String,
    pub status: String,
    pub bank_reference: Option<String>,
    pub reason: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
