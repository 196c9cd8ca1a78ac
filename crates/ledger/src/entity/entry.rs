//! `ledger_entries`: append-only (triggers refuse updates and deletes).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub stall_id: Uuid,
    pub kind: String,
    pub amount: i64,
    pub order_id: Option<Uuid>,
    pub payout_id: Option<Uuid>,
    pub rule: Option<String>,
    pub reverses: Option<String>,
    pub note: Option<String>,
    pub actor_id: Option<Uuid>,
    pub available_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
