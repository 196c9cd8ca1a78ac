//! Refunds: money owed back on cancelled paid orders, sent by the [`crate::refunder`] (with
//! our refund id as the provider's idempotency key, retried with back-off until it takes them,
//! one instance at a time), listed for administrators and settled by hand.

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{Actor, Page, PageRequest};
use jobs::{Job, JobError, Schedule};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::{Payments, Sweep};
use crate::{
    entity::refund,
    error::Result,
    refunder::BATCH,
    types::{RefundStatus, Stored},
    views::RefundView,
};

impl Payments {
    /// Sends the refunds that are due; returns (sent, failed). A failed call is retried later
    /// with the same idempotency key, so the provider never refunds twice.
    pub async fn process_refunds<C: ConnectionTrait + sea_orm::TransactionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> Result<(usize, usize)> {
        self.refunder().send_due(db, now).await
    }

    /// Refunds for administrators, oldest first, optionally in one status.
    pub async fn refunds<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        status: Option<RefundStatus>,
        page: PageRequest,
    ) -> Result<Page<RefundView>> {
        if !actor.is_admin() {
            return Err(common::Error::forbidden("Only administrators see refunds.").into());
        }
        let mut q = refund::Entity::find();
        if let Some(s) = status {
            q = q.filter(refund::Column::Status.eq(s.as_str()));
        }
        let q = q
            .order_by_asc(refund::Column::CreatedAt)
            .order_by_asc(refund::Column::Id);
        common::page::fetch(db, q, page)
            .await?
            .try_map(RefundView::try_from)
    }

    /// An administrator records that a refund owed by hand (a bank transfer's, or a card
    /// refund the provider could not complete) was paid back, with the outgoing transfer's
    /// bank reference. Audited on the checkout.
    pub async fn settle_refund<C: ConnectionTrait + sea_orm::TransactionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        bank_reference: &str,
    ) -> Result<RefundView> {
        use sea_orm::TransactionSession;
        let (admin, bank_reference) =
            super::admin_with_text(actor, "bank_reference", bank_reference, 100)?;
        let txn = common::begin_write(db).await?;
        let r = refund::Entity::find_by_id(id)
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(crate::OrderError::NotFound("Refund"))?;
        let status = crate::types::stored::<RefundStatus>(&r.status)?;
        if !matches!(status, RefundStatus::Manual | RefundStatus::Failed) {
            return Err(common::Error::conflict(
                "refund_not_manual",
                "Only a refund owed by hand (manual) or one the provider failed can be settled.",
            )
            .into());
        }
        let now = Utc::now();
        refund::Entity::update_many()
            .col_expr(
                refund::Column::Status,
                Expr::value(RefundStatus::Sent.as_str()),
            )
            .col_expr(
                refund::Column::ProviderRefundId,
                Expr::value(bank_reference.clone()),
            )
            .col_expr(refund::Column::UpdatedAt, Expr::value(now))
            .filter(refund::Column::Id.eq(r.id))
            .exec(&txn)
            .await?;
        catalog::audit::record(
            &txn,
            admin,
            catalog::audit::Action::RefundSettle,
            catalog::audit::Subject::Checkout(r.checkout_id),
            Some(&bank_reference),
            None,
            Some(serde_json::json!({"refund_id": r.id, "order_id": r.order_id, "amount": r.amount, "was": status.as_str()})),
        )
        .await?;
        crate::notices::refund_sent(&txn, r.order_id, r.amount).await?;
        txn.commit().await?;
        let settled = refund::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(crate::OrderError::NotFound("Refund"))?;
        RefundView::try_from(settled)
    }
}

/// The job that sends the refunds that are due, a batch a run; once none is due, it looks
/// again after the sweep interval.
pub struct RetryRefunds(Sweep);

impl RetryRefunds {
    /// `payments` sending the refunds `db` holds, looking every `every`.
    pub fn new(payments: Payments, db: DatabaseConnection, every: Duration) -> Self {
        Self(Sweep::new(payments, db, every))
    }
}

#[jobs::async_trait]
impl Job for RetryRefunds {
    fn kind(&self) -> &'static str {
        "payments_refunds"
    }

    fn schedule(&self) -> Schedule {
        self.0.drain(BATCH as u64)
    }

    async fn run(&self) -> Result<u64, JobError> {
        let (sent, failed) = self
            .0
            .payments
            .process_refunds(&self.0.db, Utc::now())
            .await
            .map_err(common::Error::from)?;
        Ok((sent + failed) as u64)
    }
}
