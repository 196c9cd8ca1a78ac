//! `payments/stripe/webhook`, where Stripe reports what happened to card payments, and
//! `admin/refunds`, where administrators see the money owed back.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use common::Page;
use order::{
    payments::{BankNotification, EventOutcome, TransferOutcome, TransferView},
    types::{RefundStatus, TransferStatus},
    views::RefundView,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult, Problem},
    extract::{AuthUser, Json, Query},
    state::AppState,
};

/// What the webhook did with an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAck {
    /// Always true: Stripe stops resending once it sees a 2xx.
    pub received: bool,
    /// What processing did.
    pub outcome: EventOutcome,
}

/// Receives Stripe's events. The `Stripe-Signature` header is verified on the raw body
/// (HMAC-SHA256 over `t.body`, 300 s tolerance, any `v1` with any configured secret); each
/// event id is processed once however often it arrives.
#[utoipa::path(post, path = "/api/v1/payments/stripe/webhook", tag = "payments",
    params(("Stripe-Signature" = String, Header, description = "`t=…,v1=…`, as Stripe sends it")),
    request_body(content = serde_json::Value, description = "A Stripe event, as Stripe sent it", content_type = "application/json"),
    responses(
        (status = 200, body = WebhookAck),
        (status = 400, description = "`malformed_event`: signed, but not an event; nothing changed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_signature`: missing or forged; nothing changed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Card payments are not configured", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<axum::Json<WebhookAck>> {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let event = state
        .payments
        .verify_stripe(signature, &body, chrono::Utc::now().timestamp())
        .map_err(|e| ApiError::from(common::Error::from(e)))?;
    let outcome = state
        .payments
        .handle_stripe_event(&state.db, &event)
        .await?;
    state.live.wake_all();
    tracing::info!(event = %event.id, kind = %event.kind, ?outcome, "Stripe event");
    Ok(axum::Json(WebhookAck {
        received: true,
        outcome,
    }))
}

/// What the bank webhook did with a notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct BankAck {
    /// Always true: the service stops resending once it sees a 2xx.
    pub received: bool,
    /// What the transfer came to.
    pub outcome: TransferOutcome,
}

/// Receives the bank-notification service's report of each credit to the marketplace's
/// account. `X-Signature: sha256=<hex>` is the HMAC-SHA256 of the raw body with a configured
/// secret (any of them during a rotation); each transaction id is applied once, however often
/// and however concurrently it arrives. The checkout is found by the reference in the
/// description, whatever the bank wrote around it.
#[utoipa::path(post, path = "/api/v1/payments/bank/webhook", tag = "payments",
    params(("X-Signature" = String, Header, description = "`sha256=<hex>` of the raw body")),
    request_body(content = BankNotification, description = "One credit to the account", content_type = "application/json"),
    responses(
        (status = 200, body = BankAck),
        (status = 400, description = "`malformed_event`: signed, but not a notification; `stale_notification`: booked more than `bank_transfer.max_age_hours` ago or in the future; nothing changed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_signature`: missing or forged; nothing changed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Bank transfers are not configured", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn bank_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<axum::Json<BankAck>> {
    let signature = headers.get("x-signature").and_then(|v| v.to_str().ok());
    let n = state
        .payments
        .verify_bank(signature, &body, chrono::Utc::now())
        .map_err(|e| ApiError::from(common::Error::from(e)))?;
    let outcome = state
        .payments
        .handle_bank_notification(&state.db, &n)
        .await?;
    state.live.wake_all();
    tracing::info!(transfer = %n.id, amount = n.amount, ?outcome, "bank transfer");
    Ok(axum::Json(BankAck {
        received: true,
        outcome,
    }))
}

super::paged_params! {
    /// `?status=&page=&per_page=`
    TransferParams {
        /// `unmatched` (no reference found: assign or return it), `matched`, `returned`.
        status: Option<TransferStatus>,
    }
}

/// Bank transfers the marketplace received, newest first (administrators).
#[utoipa::path(get, operation_id = "list_bank_transfers", path = "/api/v1/admin/bank-transfers", tag = "admin", security(("bearer" = [])),
    params(TransferParams),
    responses(
        (status = 200, body = Page<TransferView>),
    ))]
pub async fn bank_transfers(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<TransferParams>,
) -> ApiResult<axum::Json<Page<TransferView>>> {
    let page = q.page()?;
    Ok(axum::Json(
        state
            .payments
            .bank_transfers(&state.db, &auth.user.actor(), q.status, page)
            .await?,
    ))
}

/// Which checkout an unmatched transfer paid.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// A bank-transfer checkout.
    pub checkout_id: uuid::Uuid,
}

/// Why a transfer was sent back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnBody {
    /// 3 to 1000 characters, e.g. the bank reference of the outgoing transfer.
    #[schema(min_length = 3, max_length = 1000)]
    pub reason: String,
}

/// Assigns an unmatched transfer to a bank-transfer checkout (administrators): it counts as
/// if its description had named the checkout. Audited on the checkout.
#[utoipa::path(post, path = "/api/v1/admin/bank-transfers/{id}/assign", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "The bank's transaction id")),
    request_body = AssignBody,
    responses(
        (status = 200, body = BankAck),
        (status = 409, description = "`transfer_decided`: already matched or returned", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: not a bank-transfer checkout", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn assign_transfer(
    State(state): State<AppState>,
    auth: AuthUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    Json(body): Json<AssignBody>,
) -> ApiResult<axum::Json<BankAck>> {
    let outcome = state
        .payments
        .assign_transfer(&state.db, &auth.user.actor(), &id, body.checkout_id)
        .await?;
    state.live.wake(body.checkout_id);
    Ok(axum::Json(BankAck {
        received: true,
        outcome,
    }))
}

/// Records that an unmatched transfer was sent back to its payer (administrators), with why.
#[utoipa::path(post, path = "/api/v1/admin/bank-transfers/{id}/return", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "The bank's transaction id")),
    request_body = ReturnBody,
    responses(
        (status = 204, description = "Marked returned"),
        (status = 409, description = "`transfer_decided`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn return_transfer(
    State(state): State<AppState>,
    auth: AuthUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    Json(body): Json<ReturnBody>,
) -> ApiResult<StatusCode> {
    state
        .payments
        .return_transfer(&state.db, &auth.user.actor(), &id, &body.reason)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The bank's reference of a payment confirmed by hand.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmPaidBody {
    /// 3 to 100 characters, as on the bank statement.
    #[schema(min_length = 3, max_length = 100)]
    pub bank_reference: String,
}

/// Confirms a bank-transfer checkout paid in full, with the bank's reference (administrators;
/// for a bank without notifications). Its orders are placed. Audited on the checkout.
#[utoipa::path(post, path = "/api/v1/admin/checkouts/{id}/confirm-paid", tag = "admin", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Checkout id")),
    request_body = ConfirmPaidBody,
    responses(
        (status = 204, description = "Paid; its orders are placed"),
        (status = 404, description = "`not_found`: no bank-transfer checkout", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_awaiting_payment`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm_paid(
    State(state): State<AppState>,
    auth: AuthUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    Json(body): Json<ConfirmPaidBody>,
) -> ApiResult<StatusCode> {
    let id = super::path_id(&id)?;
    state
        .payments
        .confirm_paid(&state.db, &auth.user.actor(), id, &body.bank_reference)
        .await?;
    state.live.wake(id);
    Ok(StatusCode::NO_CONTENT)
}

super::paged_params! {
    /// `?status=&page=&per_page=`
    RefundParams {
        /// `queued` (owed; failed attempts show `last_error`), `sent`, `failed` (Stripe took it,
        /// then could not complete it: pay the buyer back another way), or `manual` (a paid
        /// bank-transfer order was cancelled: pay it back by transfer, then settle it).
        status: Option<RefundStatus>,
    }
}

/// Refunds of cancelled card orders, oldest first: queued ones are retried until Stripe takes
/// them, with the last error shown.
#[utoipa::path(get, operation_id = "list_refunds", path = "/api/v1/admin/refunds", tag = "admin", security(("bearer" = [])),
    params(RefundParams),
    responses((status = 200, body = Page<RefundView>)))]
pub async fn refunds(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<RefundParams>,
) -> ApiResult<axum::Json<Page<RefundView>>> {
    let page = q.page()?;
    Ok(axum::Json(
        state
            .payments
            .refunds(&state.db, &auth.user.actor(), q.status, page)
            .await?,
    ))
}

/// Records that money owed back was paid back by hand, with the outgoing transfer's bank
/// reference.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepaidBody {
    /// 3 to 100 characters, as on the bank statement.
    #[schema(min_length = 3, max_length = 100)]
    pub bank_reference: String,
}

/// Records that what a bank transfer owed back (an excess, a payment for a closed checkout, a
/// partial payment of an expired one) was paid back to the payer (administrators). Audited on
/// the checkout.
#[utoipa::path(post, path = "/api/v1/admin/bank-transfers/{id}/repaid", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "The bank's transaction id")),
    request_body = RepaidBody,
    responses(
        (status = 204, description = "Recorded paid back"),
        (status = 409, description = "`nothing_owed`: it owes nothing back, or was paid back already", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn repay_transfer(
    State(state): State<AppState>,
    auth: AuthUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    Json(body): Json<RepaidBody>,
) -> ApiResult<StatusCode> {
    state
        .payments
        .repay_transfer(&state.db, &auth.user.actor(), &id, &body.bank_reference)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records that a refund owed by hand (`manual`: a paid bank-transfer order was cancelled) or
/// one Stripe could not complete (`failed`) was paid back, with the bank's reference
/// (administrators). Audited on the checkout.
#[utoipa::path(post, path = "/api/v1/admin/refunds/{id}/settle", tag = "admin", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Refund id")),
    request_body = RepaidBody,
    responses(
        (status = 200, body = RefundView),
        (status = 409, description = "`refund_not_manual`: queued or sent already", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn settle_refund(
    State(state): State<AppState>,
    auth: AuthUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    Json(body): Json<RepaidBody>,
) -> ApiResult<axum::Json<RefundView>> {
    let id = super::path_id(&id)?;
    Ok(axum::Json(
        state
            .payments
            .settle_refund(&state.db, &auth.user.actor(), id, &body.bank_reference)
            .await?,
    ))
}
