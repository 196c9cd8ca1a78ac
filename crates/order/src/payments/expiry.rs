//! Expiry: checkouts whose money was to be collected up front and never came are cancelled
//! (as the system, through the state machine) and their stock returned.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jobs::{Job, JobError, Schedule};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait,
};

use super::{Payments, Sweep};
use crate::{
    entity::checkout,
    error::Result,
    store,
    types::{CheckoutStatus, Stored},
};

/// Checkouts expired in one pass at most.
const BATCH: u64 = 100;

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
            .limit(BATCH)
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

/// The job that expires unpaid checkouts, a batch a run; once none is left, it looks again
/// after the sweep interval.
pub struct ExpireUnpaid(Sweep);

impl ExpireUnpaid {
    /// `payments` expiring the checkouts of `db`, looking every `every`.
    pub fn new(payments: Payments, db: DatabaseConnection, every: Duration) -> Self {
        Self(Sweep::new(payments, db, every))
    }
}

#[jobs::async_trait]
impl Job for ExpireUnpaid {
    fn kind(&self) -> &'static str {
        "payments_expiry"
    }

    fn schedule(&self) -> Schedule {
        self.0.drain(BATCH)
    }

    async fn run(&self) -> Result<u64, JobError> {
        let Sweep { payments, db, .. } = &self.0;
        let expired = payments
            .expire_unpaid(db, Utc::now())
            .await
            .map_err(common::Error::from)?;
        Ok(expired as u64)
    }
}
