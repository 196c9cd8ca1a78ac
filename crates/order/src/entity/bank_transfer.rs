//! The `bank_transfers` table: each credit a bank reported, once.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bank_transfers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub bank: String,
    pub account_no: String,
    pub amount: i64,
    pub description: String,
    pub transacted_at: DateTimeUtc,
    pub checkout_id: Option<Uuid>,
    pub status: String,
    pub outcome: String,
    pub owed_back: i64,
    pub received_at: DateTimeUtc,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub note: Option<String>,
    pub repaid_reference: Option<String>,
    pub repaid_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
