//! Sending a refund owed on a card payment: a queued refund claimed with a [`jobs::Lease`]
//! just before its call, so two instances never send one refund at once, sent to the card
//! provider with our refund id as its idempotency key, and its outcome recorded (sent, with the
//! buyer told in the same transaction, or retried later with back-off). Shared by the use
//! cases that owe a refund at once (a cancellation, a refund after delivery) and the retry job.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use jobs::Lease;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait,
    sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    entity::refund,
    error::Result,
    provider::{PaymentProvider, ProviderError, RefundRequest},
    types::{RefundStatus, Stored},
};

/// Refunds tried in one pass at most.
pub(crate) const BATCH: usize = 20;

/// Sends refunds through the card provider, if one is configured (without one, a refund
/// stays queued and fails each try until an administrator settles it by hand).
#[derive(Clone, Debug, Default)]
pub(crate) struct Refunder {
    card: Option<Arc<dyn PaymentProvider>>,
}

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

impl Refunder {
    /// A refunder over the card provider `card`.
    pub(crate) fn new(card: Option<Arc<dyn PaymentProvider>>) -> Self {
        Self { card }
    }

    /// Sends the refunds that are due; returns (sent, failed). A failed call is retried later
    /// with the same idempotency key, so the provider never refunds twice.
    pub(crate) async fn send_due<C: ConnectionTrait + TransactionTrait>(
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
            if self.attempt(db, r).await? {
                sent += 1;
            } else {
                failed += 1;
            }
        }
        Ok((sent, failed))
    }

    /// Tries the refund owed for `order_id` now, if one is queued (after a cancellation, so
    /// the answer can already show it sent). If the provider fails, the refund stays queued
    /// and the retry job tries it again.
    pub(crate) async fn send_now<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        order_id: Uuid,
    ) -> Result<()> {
        let due = Condition::all().add(refund::Column::OrderId.eq(order_id));
        let claimed = claim_one(due).claim(db, Utc::now()).await?;
        if let Some(r) = claimed.into_iter().next() {
            self.attempt(db, r).await?;
        }
        Ok(())
    }

    /// One call for one refund this instance has claimed; records the outcome and ends the
    /// claim. Whether the provider took it.
    async fn attempt<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        r: refund::Model,
    ) -> Result<bool> {
        let result = self.send(&r).await;
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
    async fn send(&self, r: &refund::Model) -> std::result::Result<String, ProviderError> {
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
}
