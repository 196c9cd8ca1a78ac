//! Payment providers behind one trait. Cash on delivery needs nothing at checkout; card
//! payments (Stripe) create a payment intent after the checkout transaction commits.
//! [`stripe`] also verifies webhook signatures.

use serde::{Deserialize, Serialize};

/// How a buyer pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Cash on delivery: orders start `placed` and are paid when delivered.
    Cod,
    /// Card through Stripe: orders start `pending_payment`.
    Card,
}

impl PaymentMethod {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cod => "cod",
            PaymentMethod::Card => "card",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "cod" => Some(PaymentMethod::Cod),
            "card" => Some(PaymentMethod::Card),
            _ => None,
        }
    }
}

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
    /// `stripe`.
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
    /// The provider's name, as shown to clients (`stripe`).
    fn name(&self) -> &'static str;

    /// The payment method it serves.
    fn method(&self) -> PaymentMethod;

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

    fn method(&self) -> PaymentMethod {
        PaymentMethod::Cod
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
