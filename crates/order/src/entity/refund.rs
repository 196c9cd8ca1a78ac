//! The `refunds` table: money owed back on a cancelled paid order, until the provider took it.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub order_id: Uuid,
    pub checkout_id: Uuid,
    pub provider: String,
    pub payment_intent_id: String,
    pub amount: i64,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub provider_refund_id: Option<String>,
    pub next_attempt_at: DateTimeUtc,
    pub claimed_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
