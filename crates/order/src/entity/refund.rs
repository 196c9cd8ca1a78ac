//! The `refunds` table: money owed back on a paid order (its cancellation, a whole refund, or
//! each case's refund of part of it), until the provider took it or a person paid it.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
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
    pub case_id: Option<Uuid>,
    pub refund_account: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
