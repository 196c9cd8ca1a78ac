//! Payment providers behind one trait, one file per provider: cash on delivery (here) collects
//! nothing at checkout; card payments ([`stripe`]) create a payment intent after the checkout
//! transaction commits, and verify webhook signatures. A new way to pay is one more provider
//! and one more arm in [`crate::checkout::Checkouts`]' choice of provider.

use serde::Serialize;

pub mod stripe;

use std::fmt;

use uuid::Uuid;

/// What a provider needs to start collecting a checkout's money.
#[derive(Clone, Debug)]
pub struct PaymentRequest {
    /// The checkout being paid (also the provider's idempotency key).
    pub checkout_id: Uuid,
    /// The amount in đồng.
    pub amount: i64,
}

/// What the buyer's client needs to pay a checkout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentStart {
    /// The provider's name: `stripe`.
    pub provider: String,
    /// The provider's payment id (a Stripe PaymentIntent).
    pub payment_intent_id: String,
    /// Handed to Stripe.js to confirm the payment in the buyer's browser.
    pub client_secret: String,
}

/// Money to give back for one order.
#[derive(Clone, Debug)]
pub struct RefundRequest {
    /// Our refund id (also the provider's idempotency key).
    pub refund_id: Uuid,
    /// The order refunded.
    pub order_id: Uuid,
    /// The payment it came from.
    pub payment_intent_id: String,
    /// The amount in đồng.
    pub amount: i64,
}

/// Why a provider call did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider could not be reached or failed; trying again later may work.
    #[error("the payment provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the request as it stands.
    #[error("the payment provider refused: {0}")]
    Refused(String),
}

/// A way of collecting money for checkouts and giving it back.
#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync + fmt::Debug {
    /// The provider's name, as shown to clients and kept on refunds (`stripe`).
    fn name(&self) -> &'static str;

    /// Whether the money is collected before the stall acts: then orders wait in
    /// `pending_payment` and the checkout expires unpaid; otherwise they start `placed`.
    fn collects_up_front(&self) -> bool;

    /// Starts collecting a checkout's money. `None`: nothing is collected up front.
    async fn start(&self, req: &PaymentRequest) -> Result<Option<PaymentStart>, ProviderError>;

    /// Gives an order's money back; returns the provider's refund id.
    async fn refund(&self, req: &RefundRequest) -> Result<String, ProviderError>;

    /// Stops a payment nobody wants any more (its checkout expired), so it cannot be paid
    /// late. Nothing to do by default.
    async fn cancel(&self, payment_intent_id: &str) -> Result<(), ProviderError> {
        let _ = payment_intent_id;
        Ok(())
    }
}

/// Cash on delivery: nothing happens at checkout, and nothing is paid before delivery, so
/// there is never anything to refund.
#[derive(Clone, Copy, Debug, Default)]
pub struct CashOnDelivery;

#[async_trait::async_trait]
impl PaymentProvider for CashOnDelivery {
    fn name(&self) -> &'static str {
        "cod"
    }

    fn collects_up_front(&self) -> bool {
        false
    }

    async fn start(&self, _req: &PaymentRequest) -> Result<Option<PaymentStart>, ProviderError> {
        Ok(None)
    }

    async fn refund(&self, _req: &RefundRequest) -> Result<String, ProviderError> {
        Err(ProviderError::Refused(
            "cash on delivery is paid at the door; there is nothing to refund".into(),
        ))
    }
}
