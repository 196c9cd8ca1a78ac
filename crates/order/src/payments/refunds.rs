//! Refunds: money owed back on cancelled paid orders, sent to the provider with our refund id
//! as its idempotency key, retried with back-off until it takes them, one instance at a time
//! (each refund claimed with a [`jobs::Lease`] just before its call).

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{Actor, Page, PageRequest};
use jobs::{Job, JobError, Lease, Schedule};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::Payments;
use crate::store;
use crate::{
    entity::refund,
    error::Result,
    provider::{ProviderError, RefundRequest},
    types::{RefundStatus, Stored},
    views::RefundView,
};

/// Refunds tried in one pass at most.
const BATCH: usize = 20;

/// A claim on one queued refund meeting `due`, for two minutes: the provider's call is made
/// under it, so two instances never send one refund at once.
fn claim_one(due: Condition) -> Lease<refund::Entity> {
    let queued = refund::Column::Status.eq(RefundStatus::Queued.as_str());
    Lease::new(
        refund::Column::Id,
        refund::Column::ClaimedUntil,
        chrono::Duration::minutes(2),
    )
    .due(Condition::all().add(queued).add(due))
}

fn backoff(attempts: i32) -> chrono::Duration {
    let secs = 30_i64.saturating_mul(1_i64 << attempts.clamp(0, 7));
    chrono::Duration::seconds(std::cmp::min(secs, 3600))
}

impl Payments {
    /// Sends the refunds that are due; returns (sent, failed). A failed call is retried later
    /// with the same idempotency key, so the provider never refunds twice.
    pub async fn process_refunds<C: ConnectionTrait + sea_orm::TransactionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> Result<(usize, usize)> {
        let (mut sent, mut failed) = (0, 0);
        let mut tried = Vec::new();
        // One at a time, each claimed just before its call, so that slow calls before it never
        // outlast its lease; a refund tried in this pass is not tried again in it.
        while tried.len() < BATCH {
            let due = Condition::all()
                .add(refund::Column::NextAttemptAt.lte(now))
                .add(refund::Column::Id.is_not_in(tried.clone()));
            let claimed = claim_one(due)
                .order_by(refund::Column::NextAttemptAt)
                .claim(db, now)
                .await?;
            let Some(r) = claimed.into_iter().next() else {
                break;
            };
            tried.push(r.id);
            if self.attempt_refund(db, r).await? {
                sent += 1;
            } else {
                failed += 1;
            }
        }
        Ok((sent, failed))
    }

    /// Tries the refund owed for `order_id` now, if one is queued (after a cancellation, so
    /// the answer can already show it sent).
    pub async fn refund_now<C: ConnectionTrait + sea_orm::TransactionTrait>(
        &self,
        db: &C,
        order_id: Uuid,
    ) -> Result<()> {
        let due = Condition::all().add(refund::Column::OrderId.eq(order_id));
        let claimed = claim_one(due).claim(db, Utc::now()).await?;
        if let Some(r) = claimed.into_iter().next() {
            self.attempt_refund(db, r).await?;
        }
        Ok(())
    }

    /// One call for one refund this instance has claimed; records the outcome and ends the
    /// claim. Whether the provider took it.
    async fn attempt_refund<C: ConnectionTrait + sea_orm::TransactionTrait>(
        &self,
        db: &C,
        r: refund::Model,
    ) -> Result<bool> {
        let result = self.send_refund(&r).await;
        let done = Utc::now();
        let attempts = r.attempts.saturating_add(1);
        let mut update = refund::Entity::update_many()
            .col_expr(refund::Column::Attempts, Expr::value(attempts))
            .col_expr(refund::Column::UpdatedAt, Expr::value(done))
            .col_expr(
                refund::Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
        let ok = match result {
            Ok(provider_id) => {
                tracing::info!(refund = %r.id, order = %r.order_id, amount = r.amount, "refund sent");
                update = update
                    .col_expr(
                        refund::Column::Status,
                        Expr::value(RefundStatus::Sent.as_str()),
                    )
                    .col_expr(refund::Column::ProviderRefundId, Expr::value(provider_id))
                    .col_expr(
                        refund::Column::LastError,
                        Expr::value(Option::<String>::None),
                    );
                true
            }
            Err(e) => {
                tracing::warn!(refund = %r.id, order = %r.order_id, attempts, error = %e, "refund failed; will retry");
                update = update
                    .col_expr(refund::Column::LastError, Expr::value(e.to_string()))
                    .col_expr(
                        refund::Column::NextAttemptAt,
                        Expr::value(done + backoff(attempts)),
                    );
                false
            }
        };
        if ok {
            // The buyer hears of it in the transaction that records it.
            let txn = common::begin_write(db).await?;
            update
                .filter(refund::Column::Id.eq(r.id))
                .exec(&txn)
                .await?;
            crate::notices::refund_sent(&txn, r.order_id, r.amount).await?;
            sea_orm::TransactionSession::commit(txn).await?;
        } else {
            update.filter(refund::Column::Id.eq(r.id)).exec(db).await?;
        }
        Ok(ok)
    }

    /// Asks the card provider to send refund `r`; its refund id, or why not.
    async fn send_refund(&self, r: &refund::Model) -> std::result::Result<String, ProviderError> {
        match &self.card {
            Some(card) => {
                card.refund(&RefundRequest {
                    refund_id: r.id,
                    order_id: r.order_id,
                    payment_intent_id: r.payment_intent_id.clone(),
                    amount: r.amount,
                })
                .await
            }
            None => Err(ProviderError::Unavailable(
                "card payments are not configured".into(),
            )),
        }
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
        let (rows, total) = store::page_of(db, q, page).await?;
        let items = rows
            .into_iter()
            .map(RefundView::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::new(items, total, page))
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
        let admin = super::admin_of(actor)?;
        let mut v = common::validate::Validator::new();
        let bank_reference = v.text("bank_reference", bank_reference, 3, 100);
        v.finish()?;
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
pub struct RetryRefunds {
    payments: Payments,
    db: DatabaseConnection,
    every: Duration,
}

impl RetryRefunds {
    /// `payments` sending the refunds `db` holds, looking every `every`.
    pub fn new(payments: Payments, db: DatabaseConnection, every: Duration) -> Self {
        Self {
            payments,
            db,
            every,
        }
    }
}

#[jobs::async_trait]
impl Job for RetryRefunds {
    fn kind(&self) -> &'static str {
        "payments_refunds"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Drain {
            batch: BATCH as u64,
            idle: self.every,
        }
    }

    async fn run(&self) -> Result<u64, JobError> {
        let (sent, failed) = self
            .payments
            .process_refunds(&self.db, Utc::now())
            .await
            .map_err(common::Error::from)?;
        Ok((sent + failed) as u64)
    }
}
