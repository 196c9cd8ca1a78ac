//! Payment providers behind one trait, one file per provider: cash on delivery (here) collects
//! nothing at checkout; card payments ([`stripe`]) create a payment intent after the checkout
//! transaction commits, and verify webhook signatures. A new way to pay is one more provider
//! and one more arm in [`crate::checkout::Checkouts`]' choice of provider.

use serde::Serialize;

pub mod stripe;
pub mod vietqr;

use std::fmt;

use uuid::Uuid;

/// What a provider needs to start collecting a checkout's money.
#[derive(Clone, Debug)]
pub struct PaymentRequest {
    /// The checkout being paid (also the provider's idempotency key).
    pub checkout_id: Uuid,
    /// The amount in đồng.
    pub amount: i64,
    /// The checkout's transfer reference (bank transfer).
    pub reference: Option<String>,
    /// When the checkout expires unpaid.
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// What the checkout kept of a payment started before ([`PaymentProvider::keep`]).
    pub kept: Option<Kept>,
}

/// What a checkout keeps of a payment its provider started, to answer with it again without
/// a call (a Stripe PaymentIntent and its client secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kept {
    /// The provider's payment (refunds point at it).
    pub payment_id: String,
    /// What the buyer's client confirms the payment with.
    pub client_secret: String,
}

/// What the buyer's client needs to pay a checkout, by provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "provider", rename_all = "snake_case")]
pub enum PaymentStart {
    /// Card through Stripe.
    Stripe {
        /// The Stripe PaymentIntent.
        payment_intent_id: String,
        /// Handed to Stripe.js to confirm the payment in the buyer's browser.
        client_secret: String,
    },
    /// Bank transfer by scanning a VietQR code.
    Vietqr(VietqrPayment),
}

/// A bank transfer to make: what a banking app needs, as a VietQR code and as text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VietqrPayment {
    /// The amount in đồng.
    pub amount: i64,
    /// The receiving bank's BIN.
    pub bank_bin: String,
    /// The receiving bank's name.
    pub bank_name: String,
    /// The marketplace's account number.
    pub account_no: String,
    /// The account holder.
    pub account_name: String,
    /// The code to put in the transfer's description (the QR code carries it).
    pub reference: String,
    /// The VietQR payload (EMVCo, NAPAS) to render as a QR code.
    pub qr_payload: String,
    /// The checkout's QR code as SVG.
    pub qr_svg_url: String,
    /// Pay before this, or the checkout is cancelled.
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
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

/// Where the refund of an order paid online goes: the provider keeping it, the payment it
/// points at and how it starts (queued for the provider, or owed by hand).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundTarget {
    /// The provider's name, kept on the refund.
    pub provider: &'static str,
    /// The checkout's payment the money came from; `None`: the checkout has none.
    pub payment: Option<String>,
    /// How the refund starts.
    pub status: crate::types::RefundStatus,
}

/// Where the refund of an order paid by `method` goes, from its checkout `c`; `None`: cash on
/// delivery, paid back by hand without a provider.
pub fn refund_target(
    method: crate::types::PaymentMethod,
    c: Option<&crate::entity::checkout::Model>,
) -> Option<RefundTarget> {
    use crate::types::PaymentMethod;
    match method {
        PaymentMethod::Cod => None,
        PaymentMethod::BankTransfer => Some(vietqr::refund_target(c)),
        PaymentMethod::Card => Some(stripe::refund_target(c)),
    }
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

    /// A new reference for a checkout, for the buyer to quote when paying (a bank transfer's
    /// description); `None`: the provider needs none.
    fn new_reference(&self) -> Option<String> {
        None
    }

    /// Starts collecting a checkout's money. `None`: nothing is collected up front.
    async fn start(&self, req: &PaymentRequest) -> Result<Option<PaymentStart>, ProviderError>;

    /// What the checkout keeps of a payment `start` answered; `None`: nothing (the answer is
    /// made again from the checkout alone, or there is none).
    fn keep(&self, start: &PaymentStart) -> Option<Kept> {
        let _ = start;
        None
    }

    /// The answer of a payment started before, made without a call: from what the checkout
    /// kept (`req.kept`) or from the checkout alone. `None`: nothing to show without asking
    /// [`PaymentProvider::start`] again.
    fn again(&self, req: &PaymentRequest) -> Option<PaymentStart> {
        let _ = req;
        None
    }

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
