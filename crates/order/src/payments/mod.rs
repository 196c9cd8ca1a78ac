//! What happens to money after checkout, one use case per module: provider webhooks
//! ([`events`]), the sweep that cancels checkouts left unpaid ([`expiry`]), and refunds owed on
//! cancelled paid orders ([`refunds`]). They share the [`crate::store`], never each other. The
//! sweep and the refund retries run as jobs: [`ExpireUnpaid`] and [`RetryRefunds`].

mod bank;
mod events;
mod expiry;
mod refunds;

use std::sync::Arc;

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

pub use bank::{
    BankNotification, BankWebhookError, TransferOutcome, TransferView, sign_bank,
    verify_bank_signature,
};
pub use events::EventOutcome;
pub use expiry::ExpireUnpaid;
pub use refunds::RetryRefunds;

use crate::{
    entity::{bank_transfer, checkout, refund},
    error::Result,
    provider::{PaymentProvider, stripe},
    types::{CheckoutStatus, RefundStatus, Stored, TransferStatus},
};

/// The caller's id, if an administrator: payments decided by hand (transfers assigned,
/// returned or repaid, checkouts confirmed, refunds settled) are theirs alone.
fn admin_of(actor: &common::Actor) -> Result<uuid::Uuid> {
    let user = actor.require_user()?;
    if !actor.is_admin() {
        return Err(
            common::Error::forbidden("Only administrators decide on payments by hand.").into(),
        );
    }
    Ok(user)
}

/// The administrator deciding by hand (as [`admin_of`]) and the one text they give with it,
/// `field` of 3 to `max` characters (a reason, the outgoing transfer's bank reference).
fn admin_with_text(
    actor: &common::Actor,
    field: &'static str,
    text: &str,
    max: usize,
) -> Result<(uuid::Uuid, String)> {
    let admin = admin_of(actor)?;
    let mut v = common::validate::Validator::new();
    let text = v.text(field, text, 3, max);
    v.finish()?;
    Ok((admin, text))
}

/// Webhooks, expiry and refunds.
#[derive(Clone, Debug, Default)]
pub struct Payments {
    card: Option<Arc<dyn PaymentProvider>>,
    webhook_secrets: Vec<String>,
    bank_secrets: Vec<String>,
    /// How far back a notification's booking time may lie; `None`: no limit.
    bank_max_age: Option<chrono::Duration>,
}

impl Payments {
    /// Payments with an optional card provider and the webhook secrets it signs with (several
    /// during a rotation).
    pub fn new(card: Option<Arc<dyn PaymentProvider>>, webhook_secrets: Vec<String>) -> Self {
        Self {
            card,
            webhook_secrets,
            bank_secrets: Vec::new(),
            bank_max_age: None,
        }
    }

    /// Accepts bank notifications signed with any of `secrets` (several during a rotation).
    pub fn with_bank_secrets(mut self, secrets: Vec<String>) -> Self {
        self.bank_secrets = secrets;
        self
    }

    /// The card provider's refunds.
    fn refunder(&self) -> crate::refunder::Refunder {
        crate::refunder::Refunder::new(self.card.clone())
    }

    /// Refuses notifications booked more than `max_age` ago (or more than five minutes
    /// ahead) as stale.
    pub fn with_bank_max_age(mut self, max_age: chrono::Duration) -> Self {
        self.bank_max_age = Some(max_age);
        self
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
            .filter(checkout::Column::Status.eq(CheckoutStatus::AwaitingPayment.as_str()))
            .count(db)
            .await?;
        Ok(PaymentGauges {
            refunds_queued: queued,
            refunds_failed: failed,
            oldest_queued_refund_secs: oldest,
            checkouts_awaiting_payment: awaiting,
            transfers: self.transfer_gauges(db).await?,
        })
    }

    async fn transfer_gauges<C: ConnectionTrait>(&self, db: &C) -> Result<TransferGauges> {
        let count = |status: Option<TransferStatus>| {
            let mut q = bank_transfer::Entity::find();
            if let Some(s) = status {
                q = q.filter(bank_transfer::Column::Status.eq(s.as_str()));
            }
            q.count(db)
        };
        let oldest = bank_transfer::Entity::find()
            .filter(bank_transfer::Column::Status.eq(TransferStatus::Unmatched.as_str()))
            .order_by_asc(bank_transfer::Column::ReceivedAt)
            .one(db)
            .await?
            .map_or(0.0, |t| {
                (Utc::now() - t.received_at).num_milliseconds().max(0) as f64 / 1000.0
            });
        Ok(TransferGauges {
            received: count(None).await?,
            matched: count(Some(TransferStatus::Matched)).await?,
            unmatched: count(Some(TransferStatus::Unmatched)).await?,
            oldest_unmatched_secs: oldest,
        })
    }
}

/// What a payments job works with: the service, its database, and how long it waits once
/// nothing is left to do.
struct Sweep {
    payments: Payments,
    db: sea_orm::DatabaseConnection,
    every: std::time::Duration,
}

impl Sweep {
    fn new(
        payments: Payments,
        db: sea_orm::DatabaseConnection,
        every: std::time::Duration,
    ) -> Self {
        Self {
            payments,
            db,
            every,
        }
    }

    /// Batches of `batch`, then a wait of `every` once a run finds fewer.
    fn drain(&self, batch: u64) -> jobs::Schedule {
        jobs::Schedule::Drain {
            batch,
            idle: self.every,
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
    /// Bank transfers.
    pub transfers: TransferGauges,
}

/// Bank-transfer figures for `/metrics`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TransferGauges {
    /// Notifications applied.
    pub received: u64,
    /// Matched to a checkout.
    pub matched: u64,
    /// Waiting for an administrator.
    pub unmatched: u64,
    /// How long the oldest unmatched one has waited, in seconds.
    pub oldest_unmatched_secs: f64,
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

impl WebhookError {
    /// The class of failure: a missing or forged signature proves no sender, so it is
    /// `Unauthorized`, as for the bank's webhook.
    pub fn kind(&self) -> common::ErrorKind {
        match self {
            WebhookError::Off => common::ErrorKind::NotFound,
            WebhookError::Signature(_) => common::ErrorKind::Unauthorized,
            WebhookError::Malformed(_) => common::ErrorKind::Malformed,
        }
    }

    /// The stable code clients see.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookError::Off => "not_found",
            WebhookError::Signature(_) => "invalid_signature",
            WebhookError::Malformed(_) => "malformed_event",
        }
    }
}

impl From<WebhookError> for common::Error {
    fn from(e: WebhookError) -> Self {
        common::Error::new(e.kind(), e.code(), e.to_string())
    }
}
