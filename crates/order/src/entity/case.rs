//! The `cases` table: a buyer's complaint, return or refund request on a delivered order.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub buyer_id: Uuid,
    pub stall_id: Uuid,
    pub kind: String,
    pub status: String,
    pub reason: String,
    pub description: String,
    pub items: String,
    pub evidence: String,
    pub refund_account: Option<String>,
    pub respond_by: DateTimeUtc,
    pub decision: Option<String>,
    pub refund_amount: Option<i64>,
    pub refund_via: Option<String>,
    pub goods_received_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
    pub media_ids: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
