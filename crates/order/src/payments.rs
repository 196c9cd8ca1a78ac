//! What happens to money after checkout: provider webhooks (each event applied once, in any
//! order), the sweep that cancels checkouts left unpaid, and refunds owed on cancelled paid
//! orders, retried until the provider takes them.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use common::{Actor, Page, PageRequest};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionSession,
    TransactionTrait, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use uuid::Uuid;

use crate::{
    OrderError,
    entity::{checkout, order, payment_event, refund},
    error::Result,
    orders::apply_in,
    payment::{PaymentProvider, RefundRequest, stripe},
    status::OrderStatus,
};

/// Where a refund is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Owed: not yet accepted by the provider (it is retried until it is).
    Queued,
    /// The provider accepted it.
    Sent,
    /// The provider accepted it, then reported that it failed (the card was closed, say): it
    /// needs a person to pay the buyer back another way.
    Failed,
}

impl RefundStatus {
    fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Queued => "queued",
            RefundStatus::Sent => "sent",
            RefundStatus::Failed => "failed",
        }
    }
}

/// A refund of one order.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundView {
    /// Id (also the provider's idempotency key, `refund-{id}`).
    pub id: Uuid,
    /// The order refunded.
    pub order_id: Uuid,
    /// Its checkout.
    pub checkout_id: Uuid,
    /// The provider's payment.
    pub payment_intent_id: String,
    /// In đồng.
    pub amount: i64,
    /// Queued, sent or failed.
    pub status: RefundStatus,
    /// Calls made to the provider so far.
    pub attempts: i32,
    /// Why the last call failed.
    pub last_error: Option<String>,
    /// The provider's refund id, once sent.
    pub provider_refund_id: Option<String>,
    /// When the next call is due, while queued.
    pub next_attempt_at: DateTime<Utc>,
    /// Owed since.
    pub created_at: DateTime<Utc>,
}

impl From<refund::Model> for RefundView {
    fn from(r: refund::Model) -> Self {
        Self {
            id: r.id,
            order_id: r.order_id,
            checkout_id: r.checkout_id,
            payment_intent_id: r.payment_intent_id,
            amount: r.amount,
            status: match r.status.as_str() {
                "sent" => RefundStatus::Sent,
                "failed" => RefundStatus::Failed,
                _ => RefundStatus::Queued,
            },
            attempts: r.attempts,
            last_error: r.last_error,
            provider_refund_id: r.provider_refund_id,
            next_attempt_at: r.next_attempt_at,
            created_at: r.created_at,
        }
    }
}

/// What a webhook event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventOutcome {
    /// It moved the checkout's orders.
    Applied,
    /// It was processed before; nothing happened.
    Duplicate,
    /// Its type, or the checkout's state, calls for nothing (an older event arriving late).
    Ignored,
    /// No checkout (or refund) has this payment; acknowledged and logged.
    UnknownIntent,
    /// Money arrived for orders already cancelled: refunds are owed.
    RefundOwed,
}

impl EventOutcome {
    fn as_str(self) -> &'static str {
        match self {
            EventOutcome::Applied => "applied",
            EventOutcome::Duplicate => "duplicate",
            EventOutcome::Ignored => "ignored",
            EventOutcome::UnknownIntent => "unknown_intent",
            EventOutcome::RefundOwed => "refund_owed",
        }
    }
}

/// Webhooks, expiry and refunds.
#[derive(Clone, Debug, Default)]
pub struct Payments {
    card: Option<Arc<dyn PaymentProvider>>,
    webhook_secrets: Vec<String>,
}

/// Records a refund owed for a cancelled paid order (once per order).
pub(crate) async fn owe_refund<C: ConnectionTrait>(txn: &C, o: &order::Model) -> Result<()> {
    let Some(intent) = checkout::Entity::find_by_id(o.checkout_id)
        .one(txn)
        .await?
        .and_then(|c| c.payment_intent_id)
    else {
        tracing::error!(order = %o.id, "a paid card order has no payment intent; no refund owed");
        return Ok(());
    };
    let now = Utc::now();
    refund::Entity::insert(refund::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(o.id),
        checkout_id: Set(o.checkout_id),
        provider: Set("stripe".into()),
        payment_intent_id: Set(intent),
        amount: Set(o.subtotal),
        status: Set(RefundStatus::Queued.as_str().into()),
        attempts: Set(0),
        last_error: Set(None),
        provider_refund_id: Set(None),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([refund::Column::OrderId])
    .exec(txn)
    .await?;
    Ok(())
}

/// Cancels a checkout's orders that still wait for payment; returns the ones it moved.
async fn cancel_unpaid<C: ConnectionTrait>(
    txn: &C,
    checkout_id: Uuid,
    reason: &str,
) -> Result<Vec<Uuid>> {
    let orders = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(checkout_id))
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment.as_str()))
        .all(txn)
        .await?;
    let mut moved = Vec::new();
    for o in &orders {
        if apply_in(
            txn,
            o,
            OrderStatus::PendingPayment,
            OrderStatus::Cancelled,
            None,
            Some(reason.to_owned()),
            None,
        )
        .await?
        {
            moved.push(o.id);
        }
    }
    Ok(moved)
}

/// Moves a checkout that still awaits its payment to `to` (and renames its idempotency key,
/// when given), unless somebody settled it meanwhile.
async fn settle_unpaid<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    to: &str,
    rename_key: Option<String>,
) -> Result<bool> {
    let mut update =
        checkout::Entity::update_many().col_expr(checkout::Column::Status, Expr::value(to));
    if let Some(key) = rename_key {
        update = update.col_expr(checkout::Column::IdempotencyKey, Expr::value(key));
    }
    let res = update
        .filter(checkout::Column::Id.eq(id))
        .filter(checkout::Column::Status.eq("awaiting_payment"))
        .exec(txn)
        .await?;
    Ok(res.rows_affected > 0)
}

/// Undoes a card checkout whose payment could not be started: its orders are cancelled (the
/// stock comes back), the cart is filled again, and the idempotency key is freed so that the
/// same request can be retried.
pub(crate) async fn abandon_checkout<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    checkout_id: Uuid,
    buyer: Uuid,
    reason: &str,
) -> Result<()> {
    let txn = catalog::begin_write(db).await?;
    let freed = format!("failed:{checkout_id}");
    if !settle_unpaid(&txn, checkout_id, "failed", Some(freed)).await? {
        // Someone else (a webhook, the sweep) settled it first.
        return Ok(());
    }
    let cancelled = cancel_unpaid(&txn, checkout_id, reason).await?;
    crate::cart::Carts::refill(&txn, buyer, &cancelled).await?;
    txn.commit().await?;
    Ok(())
}

/// Refunds no instance holds a lease on at `now`.
fn unclaimed(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(refund::Column::ClaimedUntil.is_null())
        .add(refund::Column::ClaimedUntil.lt(now))
}

fn backoff(attempts: i32) -> chrono::Duration {
    let secs = 30_i64.saturating_mul(1_i64 << attempts.clamp(0, 7));
    chrono::Duration::seconds(std::cmp::min(secs, 3600))
}

impl Payments {
    /// Payments with an optional card provider and the webhook secrets it signs with (several
    /// during a rotation).
    pub fn new(card: Option<Arc<dyn PaymentProvider>>, webhook_secrets: Vec<String>) -> Self {
        Self {
            card,
            webhook_secrets,
        }
    }

    /// The card provider, when card payments are on.
    pub fn card(&self) -> Option<&Arc<dyn PaymentProvider>> {
        self.card.as_ref()
    }

    /// Verifies a Stripe webhook's signature on the raw body and parses the event.
    pub fn verify_stripe(
        &self,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<stripe::Event, WebhookError> {
        if self.webhook_secrets.is_empty() {
            return Err(WebhookError::Off);
        }
        stripe::verify_signature(signature.unwrap_or(""), body, &self.webhook_secrets, now)
            .map_err(WebhookError::Signature)?;
        serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))
    }

    /// Applies a verified Stripe event once; a repeat of an event id changes nothing.
    pub async fn handle_stripe_event<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        event: &stripe::Event,
    ) -> Result<EventOutcome> {
        let obj = &event.data.object;
        let intent =
            (obj.object == "payment_intent" || obj.id.starts_with("pi_")).then(|| obj.id.clone());
        let txn = catalog::begin_write(db).await?;
        let inserted = payment_event::ActiveModel {
            id: Set(event.id.clone()),
            provider: Set("stripe".into()),
            event_type: Set(event.kind.chars().take(64).collect()),
            payment_intent_id: Set(intent.clone()),
            outcome: Set("received".into()),
            received_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await;
        if let Err(e) = inserted {
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) {
                return Ok(EventOutcome::Duplicate);
            }
            return Err(e.into());
        }
        let outcome = match (event.kind.as_str(), intent) {
            ("payment_intent.succeeded", Some(pi)) => self.paid(&txn, &pi, obj).await?,
            ("payment_intent.payment_failed" | "payment_intent.canceled", Some(pi)) => {
                let why = obj
                    .last_payment_error
                    .as_ref()
                    .and_then(|e| e.message.clone())
                    .unwrap_or_else(|| event.kind.replace("payment_intent.", "payment "));
                self.unpaid(&txn, &pi, obj, &format!("card payment failed: {why}"))
                    .await?
            }
            ("refund.failed", _) => {
                let why = obj
                    .failure_reason
                    .clone()
                    .unwrap_or_else(|| "unknown".into());
                let res = refund::Entity::update_many()
                    .col_expr(
                        refund::Column::Status,
                        Expr::value(RefundStatus::Failed.as_str()),
                    )
                    .col_expr(
                        refund::Column::LastError,
                        Expr::value(format!("Stripe could not complete the refund: {why}")),
                    )
                    .col_expr(refund::Column::UpdatedAt, Expr::value(Utc::now()))
                    .filter(refund::Column::ProviderRefundId.eq(obj.id.clone()))
                    .exec(&txn)
                    .await?;
                if res.rows_affected == 0 {
                    EventOutcome::UnknownIntent
                } else {
                    tracing::error!(refund = %obj.id, reason = %why, "a sent refund failed at Stripe; it needs a person");
                    EventOutcome::Applied
                }
            }
            _ => EventOutcome::Ignored,
        };
        payment_event::Entity::update_many()
            .col_expr(
                payment_event::Column::Outcome,
                Expr::value(outcome.as_str()),
            )
            .filter(payment_event::Column::Id.eq(event.id.clone()))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        if outcome == EventOutcome::UnknownIntent {
            tracing::warn!(event = %event.id, kind = %event.kind, "Stripe event for a payment no checkout knows; acknowledged");
        }
        Ok(outcome)
    }

    async fn checkout_of<C: ConnectionTrait>(
        txn: &C,
        intent: &str,
        obj: &stripe::EventObject,
    ) -> Result<Option<checkout::Model>> {
        if let Some(c) = checkout::Entity::find()
            .filter(checkout::Column::PaymentIntentId.eq(intent))
            .one(txn)
            .await?
        {
            return Ok(Some(c));
        }
        // The intent was created but its answer never reached us (a timeout): the metadata
        // still names the checkout.
        let Some(id) = obj
            .metadata
            .get("checkout_id")
            .and_then(|id| Uuid::parse_str(id).ok())
        else {
            return Ok(None);
        };
        let found = checkout::Entity::find_by_id(id).one(txn).await?;
        Ok(found.filter(|c| c.payment_method == "card" && c.payment_intent_id.is_none()))
    }

    async fn paid<C: ConnectionTrait>(
        &self,
        txn: &C,
        intent: &str,
        obj: &stripe::EventObject,
    ) -> Result<EventOutcome> {
        let Some(c) = Self::checkout_of(txn, intent, obj).await? else {
            return Ok(EventOutcome::UnknownIntent);
        };
        if c.status == "paid" {
            return Ok(EventOutcome::Ignored);
        }
        checkout::Entity::update_many()
            .col_expr(checkout::Column::Status, Expr::value("paid"))
            .col_expr(checkout::Column::PaidAt, Expr::value(Utc::now()))
            .col_expr(checkout::Column::PaymentIntentId, Expr::value(intent))
            .filter(checkout::Column::Id.eq(c.id))
            .exec(txn)
            .await?;
        let orders = order::Entity::find()
            .filter(order::Column::CheckoutId.eq(c.id))
            .all(txn)
            .await?;
        let mut outcome = EventOutcome::Applied;
        for o in &orders {
            match OrderStatus::parse(&o.status) {
                Some(OrderStatus::PendingPayment) => {
                    apply_in(
                        txn,
                        o,
                        OrderStatus::PendingPayment,
                        OrderStatus::Placed,
                        None,
                        Some("card payment received".into()),
                        None,
                    )
                    .await?;
                }
                Some(OrderStatus::Cancelled) if !o.paid => {
                    // Paid after it was cancelled (expired, or a failure reported first):
                    // the money goes back.
                    order::Entity::update_many()
                        .col_expr(order::Column::Paid, Expr::value(true))
                        .filter(order::Column::Id.eq(o.id))
                        .exec(txn)
                        .await?;
                    let mut paid = o.clone();
                    paid.paid = true;
                    owe_refund(txn, &paid).await?;
                    outcome = EventOutcome::RefundOwed;
                }
                _ => {}
            }
        }
        Ok(outcome)
    }

    async fn unpaid<C: ConnectionTrait>(
        &self,
        txn: &C,
        intent: &str,
        obj: &stripe::EventObject,
        reason: &str,
    ) -> Result<EventOutcome> {
        let Some(c) = Self::checkout_of(txn, intent, obj).await? else {
            return Ok(EventOutcome::UnknownIntent);
        };
        // A failure reported after the payment succeeded is an older attempt: ignore it.
        if !settle_unpaid(txn, c.id, "failed", None).await? {
            return Ok(EventOutcome::Ignored);
        }
        cancel_unpaid(txn, c.id, reason).await?;
        Ok(EventOutcome::Applied)
    }

    /// Cancels the orders of card checkouts still unpaid at their deadline and returns their
    /// stock; returns how many checkouts expired. Any number of instances may run it at once:
    /// each checkout is moved by one conditional update, which only one of them wins.
    pub async fn expire_unpaid<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let due = checkout::Entity::find()
            .filter(checkout::Column::Status.eq("awaiting_payment"))
            .filter(checkout::Column::ExpiresAt.lt(now))
            .order_by_asc(checkout::Column::ExpiresAt)
            .limit(100)
            .all(db)
            .await?;
        let mut expired = 0;
        for c in due {
            let txn = catalog::begin_write(db).await?;
            if !settle_unpaid(&txn, c.id, "expired", None).await? {
                continue;
            }
            cancel_unpaid(&txn, c.id, "not paid in time").await?;
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

    /// Sends the refunds that are due; returns (sent, failed). A failed call is retried later
    /// with the same idempotency key, so the provider never refunds twice.
    pub async fn process_refunds<C: ConnectionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> Result<(usize, usize)> {
        let due = refund::Entity::find()
            .filter(refund::Column::Status.eq(RefundStatus::Queued.as_str()))
            .filter(refund::Column::NextAttemptAt.lte(now))
            .filter(unclaimed(now))
            .order_by_asc(refund::Column::NextAttemptAt)
            .limit(20)
            .all(db)
            .await?;
        let (mut sent, mut failed) = (0, 0);
        for r in due {
            match self.attempt_refund(db, r, now).await? {
                Some(true) => sent += 1,
                Some(false) => failed += 1,
                None => {}
            }
        }
        Ok((sent, failed))
    }

    /// Tries the refund owed for `order_id` now, if one is queued (after a cancellation, so
    /// the answer can already show it sent).
    pub async fn refund_now<C: ConnectionTrait>(&self, db: &C, order_id: Uuid) -> Result<()> {
        if let Some(r) = refund::Entity::find()
            .filter(refund::Column::OrderId.eq(order_id))
            .filter(refund::Column::Status.eq(RefundStatus::Queued.as_str()))
            .one(db)
            .await?
        {
            self.attempt_refund(db, r, Utc::now()).await?;
        }
        Ok(())
    }

    /// One call for one refund, claimed first so that two instances never send it at once.
    /// `None`: someone else holds it.
    async fn attempt_refund<C: ConnectionTrait>(
        &self,
        db: &C,
        r: refund::Model,
        now: DateTime<Utc>,
    ) -> Result<Option<bool>> {
        let claim = refund::Entity::update_many()
            .col_expr(
                refund::Column::ClaimedUntil,
                Expr::value(now + chrono::Duration::minutes(2)),
            )
            .filter(refund::Column::Id.eq(r.id))
            .filter(refund::Column::Status.eq(RefundStatus::Queued.as_str()))
            .filter(unclaimed(now))
            .exec(db)
            .await?;
        if claim.rows_affected == 0 {
            return Ok(None);
        }
        let result = match &self.card {
            Some(card) => {
                card.refund(&RefundRequest {
                    refund_id: r.id,
                    order_id: r.order_id,
                    payment_intent_id: r.payment_intent_id.clone(),
                    amount: r.amount,
                })
                .await
            }
            None => Err(crate::payment::ProviderError::Unavailable(
                "card payments are not configured".into(),
            )),
        };
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
        update.filter(refund::Column::Id.eq(r.id)).exec(db).await?;
        Ok(Some(ok))
    }

    /// What operators watch: refunds owed and failed, how long the oldest has waited, and card
    /// checkouts waiting for payment.
    pub async fn gauges<C: ConnectionTrait>(&self, db: &C) -> Result<PaymentGauges> {
        let count = |status: &'static str| {
            refund::Entity::find()
                .filter(refund::Column::Status.eq(status))
                .count(db)
        };
        let queued = count(RefundStatus::Queued.as_str()).await?;
        let failed = count(RefundStatus::Failed.as_str()).await?;
        let oldest = refund::Entity::find()
            .filter(refund::Column::Status.eq(RefundStatus::Queued.as_str()))
            .order_by_asc(refund::Column::CreatedAt)
            .one(db)
            .await?
            .map_or(0.0, |r| {
                (Utc::now() - r.created_at).num_milliseconds().max(0) as f64 / 1000.0
            });
        let awaiting = checkout::Entity::find()
            .filter(checkout::Column::Status.eq("awaiting_payment"))
            .count(db)
            .await?;
        Ok(PaymentGauges {
            refunds_queued: queued,
            refunds_failed: failed,
            oldest_queued_refund_secs: oldest,
            checkouts_awaiting_payment: awaiting,
        })
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
        let total = q.clone().count(db).await?;
        let rows = q
            .order_by_asc(refund::Column::CreatedAt)
            .order_by_asc(refund::Column::Id)
            .offset(page.offset())
            .limit(page.per_page)
            .all(db)
            .await?;
        Ok(Page::new(
            rows.into_iter().map(RefundView::from).collect(),
            total,
            page,
        ))
    }

    /// Expires unpaid checkouts and sends due refunds every `every`, until `stop` turns true.
    pub async fn run(
        self,
        db: DatabaseConnection,
        every: Duration,
        mut stop: watch::Receiver<bool>,
    ) {
        loop {
            if let Err(e) = self.expire_unpaid(&db, Utc::now()).await {
                tracing::warn!(error = %common::Error::from(e), "expiring unpaid checkouts failed");
            }
            if let Err(e) = self.process_refunds(&db, Utc::now()).await {
                tracing::warn!(error = %common::Error::from(e), "sending refunds failed");
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }
}

/// Payment figures for `/metrics`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PaymentGauges {
    /// Refunds owed and not yet accepted by the provider.
    pub refunds_queued: u64,
    /// Refunds the provider reported failed after accepting them.
    pub refunds_failed: u64,
    /// How long the oldest queued refund has waited, in seconds.
    pub oldest_queued_refund_secs: f64,
    /// Card checkouts waiting for their payment.
    pub checkouts_awaiting_payment: u64,
}

/// Why a webhook was refused.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// No webhook secret is configured: the endpoint is off.
    #[error("Stripe webhooks are not configured.")]
    Off,
    /// The signature does not verify.
    #[error("Invalid Stripe-Signature: {0}.")]
    Signature(stripe::SignatureError),
    /// Signed, but not an event.
    #[error("The body is not a Stripe event: {0}")]
    Malformed(String),
}

impl From<WebhookError> for OrderError {
    fn from(e: WebhookError) -> Self {
        match e {
            WebhookError::Off => OrderError::NotFound("Webhook endpoint"),
            other => {
                let code = if matches!(other, WebhookError::Signature(_)) {
                    "invalid_signature"
                } else {
                    "malformed_event"
                };
                OrderError::Common(common::Error::new(
                    common::ErrorKind::Invalid,
                    code,
                    other.to_string(),
                ))
            }
        }
    }
}
