//! A stand-in for Stripe's API on a loopback port: it speaks Stripe's wire format for the
//! calls the marketplace makes (form-encoded `POST /v1/payment_intents`, `.../{id}/cancel` and
//! `/v1/refunds`,
//! bearer key, `Idempotency-Key`), answers with objects shaped like Stripe's, replays the first
//! answer for a repeated idempotency key as Stripe does, records every request, and can be
//! switched into an outage.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use crate::lock;
use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::{Value, json};

/// One request the double received.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `/v1/payment_intents`, ….
    pub path: String,
    /// The `Idempotency-Key` header.
    pub idempotency_key: Option<String>,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The form fields, in order (`metadata[checkout_id]`, …).
    pub form: Vec<(String, String)>,
    /// Whether it was answered from the idempotency cache.
    pub replayed: bool,
}

impl Recorded {
    /// The value of form field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Inner {
    requests: Vec<Recorded>,
    answers: HashMap<String, Value>,
    down: bool,
    refunds_down: bool,
    next: u64,
}

/// The running double.
#[derive(Clone)]
pub struct StubStripe {
    /// `http://127.0.0.1:PORT/`, for `stripe.api_base`.
    pub base: String,
    inner: Arc<Mutex<Inner>>,
}

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        json!({"error": {"type": kind, "message": message}}).to_string(),
    )
        .into_response()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let path = uri.path().to_owned();
    let mut st = lock(&inner);
    let key = header("idempotency-key");
    let mut rec = Recorded {
        path: path.clone(),
        idempotency_key: key.clone(),
        authorization: header("authorization"),
        form: form.clone(),
        replayed: false,
    };
    if !rec
        .authorization
        .as_deref()
        .is_some_and(|a| a.starts_with("Bearer sk_"))
    {
        st.requests.push(rec);
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "Invalid API Key provided",
        );
    }
    let outage = st.down || (st.refunds_down && path == "/v1/refunds");
    if outage {
        st.requests.push(rec);
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "An unexpected error occurred (outage simulated by the test).",
        );
    }
    if let Some(answer) = key.as_ref().and_then(|k| st.answers.get(k)).cloned() {
        rec.replayed = true;
        st.requests.push(rec);
        return (StatusCode::OK, axum::Json(answer)).into_response();
    }
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let metadata: serde_json::Map<String, Value> = form
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("metadata[")
                .and_then(|k| k.strip_suffix(']'))
                .map(|k| (k.to_owned(), Value::String(v.clone())))
        })
        .collect();
    let amount = field("amount").and_then(|a| a.parse::<i64>().ok());
    st.next += 1;
    let n = st.next;
    let answer = match path.as_str() {
        "/v1/payment_intents" => {
            let (Some(amount), Some(currency)) = (amount, field("currency")) else {
                st.requests.push(rec);
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    "Missing required param: amount or currency.",
                );
            };
            let mut intent = payment_intent(
                &format!("pi_test_{n}"),
                amount,
                &currency,
                "requires_payment_method",
            );
            intent["automatic_payment_methods"] = json!({"enabled": true});
            intent["client_secret"] = json!(format!("pi_test_{n}_secret_{}", n * 7919));
            intent["description"] = json!(field("description"));
            intent["metadata"] = Value::Object(metadata);
            intent
        }
        p if p.starts_with("/v1/payment_intents/") && p.ends_with("/cancel") => {
            let id = p
                .trim_start_matches("/v1/payment_intents/")
                .trim_end_matches("/cancel");
            let mut intent = payment_intent(id, 0, "vnd", "canceled");
            intent["cancellation_reason"] = json!(field("cancellation_reason"));
            intent
        }
        "/v1/refunds" => {
            let Some(intent) = field("payment_intent") else {
                st.requests.push(rec);
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    "Missing required param: payment_intent.",
                );
            };
            json!({
                "id": format!("re_test_{n}"),
                "object": "refund",
                "amount": amount.unwrap_or(0),
                "created": now(),
                "currency": "vnd",
                "metadata": metadata,
                "payment_intent": intent,
                "status": "succeeded"
            })
        }
        _ => {
            st.requests.push(rec);
            return error(
                StatusCode::NOT_FOUND,
                "invalid_request_error",
                "Unrecognized request URL.",
            );
        }
    };
    if let Some(k) = key {
        st.answers.insert(k, answer.clone());
    }
    st.requests.push(rec);
    (StatusCode::OK, axum::Json(answer)).into_response()
}

/// A PaymentIntent with the fields async-stripe requires.
fn payment_intent(id: &str, amount: i64, currency: &str, status: &str) -> Value {
    json!({
        "id": id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_received": 0,
        "capture_method": "automatic_async",
        "confirmation_method": "automatic",
        "created": now(),
        "currency": currency,
        "livemode": false,
        "metadata": {},
        "payment_method_types": ["card"],
        "status": status
    })
}

impl StubStripe {
    /// Starts the double on a free loopback port; it runs until the test's runtime ends.
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/v1/payment_intents", post(handle))
            .route("/v1/refunds", post(handle))
            .fallback(handle)
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap_or_else(|e| panic!("no loopback port for the Stripe double: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("Stripe double has no address: {e}"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base: format!("http://{addr}/"),
            inner,
        }
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.inner).requests.clone()
    }

    /// The requests to `path` so far.
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// Makes every call fail with a 500 (or succeed again).
    pub fn set_down(&self, down: bool) {
        lock(&self.inner).down = down;
    }

    /// Makes refunds alone fail with a 500 (or succeed again).
    pub fn set_refunds_down(&self, down: bool) {
        lock(&self.inner).refunds_down = down;
    }
}

/// The body of a Stripe event of `kind` (`payment_intent.succeeded`, …) about payment intent
/// `intent`, whose metadata names `checkout_id`.
pub fn event(id: &str, kind: &str, intent: &str, checkout_id: &str, amount: i64) -> Vec<u8> {
    let failed = kind == "payment_intent.payment_failed";
    json!({
        "id": id,
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": now(),
        "livemode": false,
        "pending_webhooks": 1,
        "type": kind,
        "data": {"object": {
            "id": intent,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": if kind == "payment_intent.succeeded" { amount } else { 0 },
            "currency": "vnd",
            "metadata": {"checkout_id": checkout_id},
            "last_payment_error": if failed {
                json!({"code": "card_declined", "message": "Your card was declined."})
            } else {
                Value::Null
            },
            "status": match kind {
                "payment_intent.succeeded" => "succeeded",
                "payment_intent.canceled" => "canceled",
                _ => "requires_payment_method",
            }
        }}
    })
    .to_string()
    .into_bytes()
}
