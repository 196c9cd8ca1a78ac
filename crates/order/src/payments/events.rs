//! Payment events: a provider's webhook, verified, applied once whatever how often and in
//! whatever order it arrives. A success places and pays the checkout's orders (through the
//! state machine, as the system); a failure cancels them; a success for orders already
//! cancelled owes a refund.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    TransactionSession, TransactionTrait, sea_query::Expr,
};
use serde::Serialize;
use uuid::Uuid;

use super::{Payments, WebhookError};
use crate::{
    entity::{checkout, order, payment_event, refund},
    error::Result,
    provider::stripe,
    store,
    types::{CheckoutStatus, PaymentMethod, RefundStatus, Stored, stored},
};

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

impl Payments {
    /// Verifies a Stripe webhook's signature on the raw body and parses the event.
    pub fn verify_stripe(
        &self,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<stripe::Event, WebhookError> {
        // A request without the header is refused as such even where card payments are off.
        let Some(signature) = signature else {
            return Err(WebhookError::Signature(stripe::SignatureError::Malformed));
        };
        if self.webhook_secrets.is_empty() {
            return Err(WebhookError::Off);
        }
        stripe::verify_signature(signature, body, &self.webhook_secrets, now)
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
        let txn = common::begin_write(db).await?;
        let inserted = payment_event::ActiveModel {
            id: Set(event.id.clone()),
            provider: Set(stripe::NAME.into()),
            event_type: Set(event.kind.chars().take(64).collect()),
            payment_intent_id: Set(intent.clone()),
            outcome: Set("received".into()),
            received_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await;
        if let Err(e) = inserted {
            if common::db::is_unique_violation(&e) {
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
        Ok(found.filter(|c| {
            c.payment_method == PaymentMethod::Card.as_str() && c.payment_intent_id.is_none()
        }))
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
        let c = store::lock_checkout(txn, c.id).await?.unwrap_or(c);
        if stored::<CheckoutStatus>(&c.status)? == CheckoutStatus::Paid {
            return Ok(EventOutcome::Ignored);
        }
        let paid = store::pay_orders(txn, c.id, Some(intent), "card payment received").await?;
        if paid.cancelled.is_empty() {
            return Ok(EventOutcome::Applied);
        }
        // Paid after they were cancelled (expired, a failure reported first, or cancelled by
        // the buyer): their money goes back.
        for o in paid.cancelled {
            order::Entity::update_many()
                .col_expr(order::Column::Paid, Expr::value(true))
                .filter(order::Column::Id.eq(o.id))
                .exec(txn)
                .await?;
            store::owe_refund(txn, &order::Model { paid: true, ..o }, PaymentMethod::Card).await?;
        }
        Ok(EventOutcome::RefundOwed)
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
        if !store::settle_unpaid(txn, c.id, CheckoutStatus::Failed, false).await? {
            return Ok(EventOutcome::Ignored);
        }
        store::cancel_unpaid(txn, c.id, reason).await?;
        Ok(EventOutcome::Applied)
    }
}
