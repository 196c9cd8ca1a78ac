//! The `checkouts` table: one per successful checkout, keyed by the buyer's idempotency key.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "checkouts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub buyer_id: Uuid,
    pub idempotency_key: String,
    pub request_hash: String,
    pub total: i64,
    pub payment_method: String,
    pub status: String,
    pub payment_intent_id: Option<String>,
    pub client_secret: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub paid_at: Option<DateTimeUtc>,
    pub reference: Option<String>,
    pub amount_paid: i64,
}

impl ActiveModelBehavior for ActiveModel {}
