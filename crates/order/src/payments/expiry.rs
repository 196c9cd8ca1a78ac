//! Expiry: checkouts whose money was to be collected up front and never came are cancelled
//! (as the system, through the state machine) and their stock returned.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait,
};

use super::Payments;
use crate::{
    entity::checkout,
    error::Result,
    store,
    types::{CheckoutStatus, Stored},
};

impl Payments {
    /// Cancels the orders of card checkouts still unpaid at their deadline and returns their
    /// stock; returns how many checkouts expired. Any number of instances may run it at once:
    /// each checkout is moved by one conditional update, which only one of them wins.
    pub async fn expire_unpaid<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let due = checkout::Entity::find()
            .filter(checkout::Column::Status.eq(CheckoutStatus::AwaitingPayment.as_str()))
            .filter(checkout::Column::ExpiresAt.lt(now))
            .order_by_asc(checkout::Column::ExpiresAt)
            .limit(100)
            .all(db)
            .await?;
        let mut expired = 0;
        for c in due {
            let txn = common::begin_write(db).await?;
            if !store::settle_unpaid(&txn, c.id, CheckoutStatus::Expired, false).await? {
                continue;
            }
            store::cancel_unpaid(&txn, c.id, "not paid in time").await?;
            if c.amount_paid > 0 {
                // Part of it came by bank transfer: that money goes back.
                store::owe_back_partial(&txn, c.id).await?;
            }
            txn.commit().await?;
            expired += 1;
            // Close the payment too, so the buyer cannot pay for cancelled orders. If that
            // fails, a late payment is still caught by the webhook and refunded.
            if let (Some(card), Some(intent)) = (&self.card, &c.payment_intent_id)
                && let Err(e) = card.cancel(intent).await
            {
                tracing::warn!(checkout = %c.id, error = %e, "could not cancel the expired payment at the provider");
            }
        }
        if expired > 0 {
            tracing::info!(expired, "unpaid checkouts expired; their stock is back");
        }
        Ok(expired)
    }
}
