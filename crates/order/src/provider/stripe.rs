//! Card payments through Stripe: PaymentIntents and refunds with async-stripe, and the
//! verification of webhook signatures.
//!
//! Amounts are sent as they are stored: VND is a zero-decimal currency for Stripe, so
//! 50 000 ₫ is `50000`.

use std::{collections::HashMap, time::Duration};

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_core::{
    payment_intent::{
        CancelPaymentIntent, CancelPaymentIntentCancellationReason, CreatePaymentIntent,
        CreatePaymentIntentAutomaticPaymentMethods,
    },
    refund::CreateRefund,
};

use super::{Kept, PaymentProvider, PaymentRequest, PaymentStart, ProviderError, RefundRequest};

/// How long one call to Stripe may take before it counts as an outage.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// The provider's name, on payments and refunds.
pub const NAME: &str = "stripe";

/// A card payment's refund: queued for the refund worker, against the checkout's
/// PaymentIntent.
pub fn refund_target(c: Option<&crate::entity::checkout::Model>) -> super::RefundTarget {
    super::RefundTarget {
        provider: NAME,
        payment: c.and_then(|c| c.payment_intent_id.clone()),
        status: crate::types::RefundStatus::Queued,
    }
}

/// Stripe's card payments.
#[derive(Clone)]
pub struct Stripe {
    client: Client,
}

impl std::fmt::Debug for Stripe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client holds the secret key; never print it.
        f.debug_struct("Stripe").finish_non_exhaustive()
    }
}

impl Stripe {
    /// A client with `secret_key`, talking to `api_base` (Stripe's own API when `None`).
    pub fn new(secret_key: &str, api_base: Option<&str>) -> Result<Self, ProviderError> {
        let mut builder = ClientBuilder::new(secret_key)
            .timeout(CALL_TIMEOUT)
            .app_info(
                "ocop-marketplace",
                Some(env!("CARGO_PKG_VERSION").into()),
                None,
            );
        if let Some(base) = api_base {
            // The client appends `v1/...` to the base as it is.
            let base = if base.ends_with('/') {
                base.to_owned()
            } else {
                format!("{base}/")
            };
            builder = builder.url(base);
        }
        let client = builder
            .build()
            .map_err(|e| ProviderError::Refused(format!("Stripe client: {e}")))?;
        Ok(Self { client })
    }
}

fn idempotent(key: String) -> Result<RequestStrategy, ProviderError> {
    IdempotencyKey::new(key)
        .map(RequestStrategy::Idempotent)
        .map_err(|e| ProviderError::Refused(format!("idempotency key: {e:?}")))
}

fn classify(e: StripeError) -> ProviderError {
    match e {
        // 4xx other than conflicts and rate limits: the request itself is wrong.
        StripeError::Stripe(err, status)
            if (400..500).contains(&status) && status != 409 && status != 429 =>
        {
            ProviderError::Refused(
                err.message
                    .clone()
                    .unwrap_or_else(|| format!("status {status}")),
            )
        }
        other => ProviderError::Unavailable(other.to_string()),
    }
}

#[async_trait::async_trait]
impl PaymentProvider for Stripe {
    fn name(&self) -> &'static str {
        NAME
    }

    fn collects_up_front(&self) -> bool {
        true
    }

    async fn start(&self, req: &PaymentRequest) -> Result<Option<PaymentStart>, ProviderError> {
        let intent = CreatePaymentIntent::new(req.amount, stripe_types::Currency::VND)
            .automatic_payment_methods(CreatePaymentIntentAutomaticPaymentMethods::new(true))
            .description(format!("Checkout {}", req.checkout_id))
            .metadata(HashMap::from([(
                "checkout_id".to_owned(),
                req.checkout_id.to_string(),
            )]))
            .customize()
            .request_strategy(idempotent(format!("checkout-{}", req.checkout_id))?)
            .send(&self.client)
            .await
            .map_err(classify)?;
        let client_secret = intent.client_secret.ok_or_else(|| {
            ProviderError::Unavailable(
                "Stripe returned a payment intent without a client secret".into(),
            )
        })?;
        Ok(Some(PaymentStart::Stripe {
            payment_intent_id: intent.id.to_string(),
            client_secret,
        }))
    }

    /// The PaymentIntent and its client secret: the buyer's client confirms with them, and
    /// refunds point at the intent.
    fn keep(&self, start: &PaymentStart) -> Option<Kept> {
        match start {
            PaymentStart::Stripe {
                payment_intent_id,
                client_secret,
            } => Some(Kept {
                payment_id: payment_intent_id.clone(),
                client_secret: client_secret.clone(),
            }),
            PaymentStart::Vietqr(_) => None,
        }
    }

    fn again(&self, req: &PaymentRequest) -> Option<PaymentStart> {
        req.kept.as_ref().map(|k| PaymentStart::Stripe {
            payment_intent_id: k.payment_id.clone(),
            client_secret: k.client_secret.clone(),
        })
    }

    async fn refund(&self, req: &RefundRequest) -> Result<String, ProviderError> {
        let refund = CreateRefund::new()
            .payment_intent(req.payment_intent_id.clone())
            .amount(req.amount)
            .metadata(HashMap::from([
                ("order_id".to_owned(), req.order_id.to_string()),
                ("refund_id".to_owned(), req.refund_id.to_string()),
            ]))
            .customize()
            .request_strategy(idempotent(format!("refund-{}", req.refund_id))?)
            .send(&self.client)
            .await
            .map_err(classify)?;
        Ok(refund.id.to_string())
    }

    async fn cancel(&self, payment_intent_id: &str) -> Result<(), ProviderError> {
        CancelPaymentIntent::new(payment_intent_id)
            .cancellation_reason(CancelPaymentIntentCancellationReason::Abandoned)
            .customize()
            .request_strategy(idempotent(format!("cancel-{payment_intent_id}"))?)
            .send(&self.client)
            .await
            .map_err(classify)?;
        Ok(())
    }
}

/// How far a webhook's timestamp may be from now, in seconds.
pub const SIGNATURE_TOLERANCE_SECS: i64 = 300;

/// Why a webhook was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `Stripe-Signature` header, or one without `t=` and `v1=`.
    #[error("the Stripe-Signature header is missing or malformed")]
    Malformed,
    /// The timestamp is more than the tolerance away from now (a replay, or a wrong clock).
    #[error("the signature's timestamp is outside the tolerance")]
    Stale,
    /// No `v1` signature matches any configured secret.
    #[error("no signature matches")]
    Mismatch,
}

/// Checks `header` (`t=…,v1=…[,v1=…]`) against the raw `body`: HMAC-SHA256 of `t.body`
/// with any of `secrets` must equal any `v1` value, and `t` must be within the tolerance of
/// `now` (Unix seconds). Comparisons are constant-time.
pub fn verify_signature(
    header: &str,
    body: &[u8],
    secrets: &[String],
    now: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => {
                if let Ok(bytes) = hex::decode(sig) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    let Some(t) = timestamp else {
        return Err(SignatureError::Malformed);
    };
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - t).abs() > SIGNATURE_TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    for secret in secrets {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            continue;
        };
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        for sig in &signatures {
            if mac.clone().verify_slice(sig).is_ok() {
                return Ok(());
            }
        }
    }
    Err(SignatureError::Mismatch)
}

/// The `Stripe-Signature` header value for `body` signed with `secret` at `t` (what Stripe
/// sends; used by tests and by operators replaying an event by hand).
pub fn sign(body: &[u8], secret: &str, t: i64) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return format!("t={t}"),
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The parts of a Stripe event we act on.
#[derive(Clone, Debug, Deserialize)]
pub struct Event {
    /// `evt_…`, unique per event (the deduplication key).
    pub id: String,
    /// `payment_intent.succeeded`, ….
    #[serde(rename = "type")]
    pub kind: String,
    /// What the event is about.
    pub data: EventData,
}

/// `data` of an event.
#[derive(Clone, Debug, Deserialize)]
pub struct EventData {
    /// The object, as it was when the event happened.
    pub object: EventObject,
}

/// The object of a payment intent event.
#[derive(Clone, Debug, Deserialize)]
pub struct EventObject {
    /// `pi_…` for payment intents.
    pub id: String,
    /// `payment_intent`, `charge`, ….
    #[serde(default)]
    pub object: String,
    /// Our metadata (`checkout_id`).
    #[serde(default)]
    pub metadata: HashMap<String, String>,
    /// What was received, for succeeded intents.
    #[serde(default)]
    pub amount_received: Option<i64>,
    /// Why the last attempt failed.
    #[serde(default)]
    pub last_payment_error: Option<LastPaymentError>,
    /// Why a refund failed (refund events).
    #[serde(default)]
    pub failure_reason: Option<String>,
}

/// `last_payment_error` of a payment intent.
#[derive(Clone, Debug, Deserialize)]
pub struct LastPaymentError {
    /// Stripe's explanation.
    #[serde(default)]
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;

    #[test]
    fn a_signed_body_verifies_and_a_changed_one_does_not() {
        let secrets = vec!["whsec_test".to_owned()];
        let header = sign(BODY, "whsec_test", 1_700_000_000);
        assert_eq!(
            verify_signature(&header, BODY, &secrets, 1_700_000_100),
            Ok(())
        );
        let mut changed = BODY.to_vec();
        changed[5] = b'X';
        assert_eq!(
            verify_signature(&header, &changed, &secrets, 1_700_000_100),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(&header, BODY, &["whsec_other".to_owned()], 1_700_000_100),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn tolerance_is_300_seconds_either_way() {
        let secrets = vec!["s".to_owned()];
        let header = sign(BODY, "s", 1_000_000);
        assert!(verify_signature(&header, BODY, &secrets, 1_000_300).is_ok());
        assert!(verify_signature(&header, BODY, &secrets, 999_700).is_ok());
        assert_eq!(
            verify_signature(&header, BODY, &secrets, 1_000_301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify_signature(&header, BODY, &secrets, 999_699),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn rotation_any_v1_and_any_secret() {
        let t = 5_000;
        let new = sign(BODY, "new", t);
        let new_sig = new.split_once(",v1=").map(|(_, s)| s.to_owned()).unwrap();
        // Stripe sends one v1 per active secret during a rotation; a v0 is ignored.
        let header = format!("t={t},v1={},v1={new_sig},v0=abcdef", "00".repeat(32));
        assert!(verify_signature(&header, BODY, &["new".to_owned()], t).is_ok());
        // Both secrets configured: either signature is enough.
        let old_only = sign(BODY, "old", t);
        let both = vec!["new".to_owned(), "old".to_owned()];
        assert!(verify_signature(&old_only, BODY, &both, t).is_ok());
        assert!(verify_signature(&new, BODY, &both, t).is_ok());
    }

    #[test]
    fn malformed_headers_are_refused() {
        let secrets = vec!["s".to_owned()];
        for header in ["", "t=abc,v1=00", "v1=00", "t=5", "t=5,v1=zz", "garbage"] {
            assert_eq!(
                verify_signature(header, BODY, &secrets, 5),
                Err(SignatureError::Malformed),
                "{header}"
            );
        }
    }
}
