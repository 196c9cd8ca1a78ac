//! `cart`, `checkout` and `orders`: what buyers buy and what stalls do with it.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
};
use common::{FieldCode, Page};
use order::{
    cart::{Cart, CartDestination},
    case::RefundAccount,
    checkout::{CheckoutRequest, CheckoutResult, CheckoutState},
    provider::PaymentStart,
    refund_account::OrderRefundAccount,
    status::{Move, OrderStatus},
    views::OrderView,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::PageParams;
use crate::{
    error::{ApiError, ApiResult, Problem},
    extract::{AuthUser, Json, OptionalJson, Query},
    state::AppState,
};

/// Where to price delivery to (optional): an address of the book, or a commune.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CartParams {
    /// An address of the caller's book.
    pub address_id: Option<Uuid>,
    /// Province code (may be left out: the commune names it).
    #[param(example = "01")]
    pub province_code: Option<String>,
    /// Commune code of the national map.
    #[param(example = "00070")]
    pub commune_code: Option<String>,
    /// Voucher codes, comma-separated (with a destination): the discount they would give at
    /// checkout, by its rules (a refused code is the checkout's 422 naming it).
    #[param(example = "TET2027")]
    pub voucher_codes: Option<String>,
}

/// The caller's cart, priced now; lines that can no longer be bought are flagged. With an
/// `address_id` or a `commune_code`, each stall's delivery line and the grand total too; with
/// `voucher_codes` as well, the discount they would give and the discounted grand total.
#[utoipa::path(get, operation_id = "get_cart", path = "/api/v1/cart", tag = "orders", security(("bearer" = [])),
    params(CartParams),
    responses(
        (status = 200, body = Cart),
        (status = 422, description = "`validation_failed`: an unknown commune, a commune of another province, or not the caller's address; `voucher_codes` without a destination (`required`, commune_code), too many or too long codes, or a refused code (`voucher_codes.<CODE>`: `unknown_voucher`, `not_started`, `expired`, `below_minimum`, `used_up`, `per_buyer_limit_reached`, `not_applicable`, `duplicate`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cart(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(p): Query<CartParams>,
) -> ApiResult<axum::Json<Cart>> {
    let to = CartDestination::from_request(p.address_id, p.province_code, p.commune_code)?;
    let codes: Vec<String> = p
        .voucher_codes
        .as_deref()
        .map(|s| {
            s.split(',')
                .filter(|c| !c.trim().is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let cart = state
        .carts
        .read(&state.db, &auth.user.actor(), to, &codes)
        .await?;
    Ok(axum::Json(cart))
}

/// Where a checkout's payment stands: amount paid and due, and what the client needs to pay
/// while it waits (the buyer only).
#[utoipa::path(get, operation_id = "get_checkout", path = "/api/v1/checkouts/{id}", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Checkout id")),
    responses(
        (status = 200, body = CheckoutState),
        (status = 404, description = "`not_found`: not the caller's checkout", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn checkout_state(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<CheckoutState>> {
    Ok(axum::Json(
        state
            .checkouts
            .state(&state.db, &auth.user.actor(), super::path_id(&id)?)
            .await?,
    ))
}

/// The checkout's VietQR code as SVG, for a bank transfer still waiting (the buyer only).
#[utoipa::path(get, operation_id = "get_checkout_qr", path = "/api/v1/checkouts/{id}/qr.svg", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Checkout id")),
    responses(
        (status = 200, description = "The QR code", content_type = "image/svg+xml"),
        (status = 404, description = "`not_found`: not the caller's, not a bank transfer, or no longer waiting", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn checkout_qr(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let checkout = state
        .checkouts
        .state(&state.db, &auth.user.actor(), super::path_id(&id)?)
        .await?;
    let Some(PaymentStart::Vietqr(pay)) = checkout.payment else {
        return Err(ApiError::from_status(StatusCode::NOT_FOUND));
    };
    let code = qrcode::QrCode::new(pay.qr_payload.as_bytes())
        .map_err(|e| ApiError::from(common::Error::internal(e.to_string())))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .build();
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "image/svg+xml"),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}

/// A quantity.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Quantity {
    /// 0 to 1000; 0 removes the line.
    #[schema(minimum = 0, maximum = 1000, example = 2)]
    pub quantity: i64,
}

/// Sets how many of a product's variant (pack size) the cart holds (0 removes the line). A
/// product's id names its first variant.
#[utoipa::path(put, operation_id = "set_cart_item", path = "/api/v1/cart/items/{product_or_variant_id}", tag = "orders", security(("bearer" = [])),
    params(("product_or_variant_id" = Uuid, Path, description = "A variant's id (`variants[].id` of the product), or a product's for its first variant", example = "9a4e2c7f-5b1d-4f3a-8c6e-2d7b9f1a3e58")),
    request_body = Quantity,
    responses((status = 200, body = Cart)))]
pub async fn set_item(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(product_id): Path<String>,
    Json(body): Json<Quantity>,
) -> ApiResult<axum::Json<Cart>> {
    let product_id = super::path_id(&product_id)?;
    Ok(axum::Json(
        state
            .carts
            .set(&state.db, &auth.user.actor(), product_id, body.quantity)
            .await?,
    ))
}

/// Removes a variant's line from the cart, or, named by a product's id, every line of that
/// product.
#[utoipa::path(delete, operation_id = "remove_cart_item", path = "/api/v1/cart/items/{product_or_variant_id}", tag = "orders", security(("bearer" = [])),
    params(("product_or_variant_id" = Uuid, Path, description = "A variant's id, or a product's for all its lines", example = "9a4e2c7f-5b1d-4f3a-8c6e-2d7b9f1a3e58")),
    responses(
        (status = 204, description = "Removed, or was not in the cart"),
        (status = 404, description = "`not_found`: the id cannot name a product or a variant", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_item(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(product_id): Path<String>,
) -> ApiResult<StatusCode> {
    // Like PUT on the same path: an id that cannot name a product is 404, not a silent success.
    let id = super::path_id(&product_id)?;
    state
        .carts
        .remove(&state.db, &auth.user.actor(), id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the cart out: one order per stall, stock reserved, names and prices kept as sold.
/// Needs an `Idempotency-Key` header; a retry with the same key returns the first result.
#[utoipa::path(post, operation_id = "check_out", path = "/api/v1/checkout", tag = "orders", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per checkout attempt")),
    request_body = CheckoutRequest,
    responses(
        (status = 201, body = CheckoutResult),
        (status = 409, description = "`policy_not_accepted`, while the caller has not accepted the versions in effect of the policies every buyer accepts (named in `detail`; `details.pending` lists `{kind, version, title}`, as `GET /api/v1/me` does); `out_of_stock`, naming each product and what is left; `total_changed`, when `expected_total` differs from the total now, with the new breakdown in `details`; `cart_changed`, when the cart was checked out or edited meanwhile. Nothing changed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `cart_not_ready`, `idempotency_key_reused` or `payment_refused`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`payment_unavailable`: the card payment could not start; nothing was ordered, the cart is as it was, and the same request may be retried", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn checkout(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    Json(body): Json<CheckoutRequest>,
) -> ApiResult<(StatusCode, axum::Json<CheckoutResult>)> {
    let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()) else {
        return Err(ApiError::validation(vec![common::FieldError::new(
            "Idempotency-Key",
            FieldCode::Required,
            "this header is required",
        )]));
    };
    // Ordering waits for the policies every buyer accepts; the order crate knows no policy.
    state
        .policies
        .require_accepted(&state.db, auth.user.id, chrono::Utc::now())
        .await?;
    let result = state
        .checkouts
        .checkout(&state.db, &auth.user.actor(), key, body)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(result)))
}

super::paged_params! {
    /// `?status=&page=&per_page=`
    StallOrderParams {
        /// Only orders in this status.
        status: Option<OrderStatus>,
    }
}

/// The caller's orders.
#[utoipa::path(get, operation_id = "list_my_orders", path = "/api/v1/orders", tag = "orders", security(("bearer" = [])),
    params(PageParams), responses((status = 200, body = Page<OrderView>)))]
pub async fn my_orders(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<PageParams>,
) -> ApiResult<axum::Json<Page<OrderView>>> {
    let page = q.page()?;
    Ok(axum::Json(
        state
            .orders
            .mine(&state.db, &auth.user.actor(), page)
            .await?,
    ))
}

/// A stall's orders (members).
#[utoipa::path(get, operation_id = "list_stall_orders", path = "/api/v1/stalls/{id}/orders", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug"), StallOrderParams),
    responses((status = 200, body = Page<OrderView>)))]
pub async fn stall_orders(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Query(q): Query<StallOrderParams>,
) -> ApiResult<axum::Json<Page<OrderView>>> {
    let page = q.page()?;
    Ok(axum::Json(
        state
            .orders
            .for_stall(&state.db, &auth.user.actor(), &id, q.status, page)
            .await?,
    ))
}

/// An order with its history (its buyer, its stall's members, admins), by its id or by the
/// number its messages show (`F5567A59`; a leading `#`, sent as `%23`, is allowed).
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path, description = "Order id, or its number")),
    responses((status = 200, body = OrderView)))]
pub async fn get_order(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<OrderView>> {
    Ok(axum::Json(
        state
            .orders
            .get_by_ref(&state.db, &auth.user.actor(), &id)
            .await?,
    ))
}

/// What may accompany a move.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    /// Why (required to reject, and for an admin to cancel).
    pub reason: Option<String>,
    /// Tracking number (when shipping).
    pub tracking_no: Option<String>,
    /// The carrier (when shipping), e.g. `Viettel Post`.
    pub carrier: Option<String>,
}

async fn do_move(
    state: &AppState,
    auth: &AuthUser,
    id: &str,
    m: Move,
    body: Option<MoveBody>,
) -> ApiResult<axum::Json<OrderView>> {
    let body = body.unwrap_or_default();
    let words = order::orders::MoveWords {
        reason: body.reason.as_deref(),
        tracking_no: body.tracking_no.as_deref(),
        carrier: body.carrier.as_deref(),
    };
    let view = state
        .orders
        .make_move(&state.db, &auth.user.actor(), super::path_id(id)?, m, words)
        .await?;
    Ok(axum::Json(view))
}

macro_rules! order_move {
    ($name:ident, $op:literal, $move:expr, $path:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, operation_id = $op, path = $path, tag = "orders", security(("bearer" = [])),
            params(("id" = Uuid, Path, description = "Order id")),
            request_body(content = Option<MoveBody>),
            responses(
                (status = 200, body = OrderView),
                (status = 409, description = "`invalid_transition`", body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            State(state): State<AppState>,
            auth: AuthUser,
            Path(id): Path<String>,
            OptionalJson(body): OptionalJson<MoveBody>,
        ) -> ApiResult<axum::Json<OrderView>> {
            do_move(&state, &auth, &id, $move, body).await
        }
    };
}

order_move!(
    cancel,
    "cancel_order",
    Move::Cancel,
    "/api/v1/orders/{id}/cancel",
    "Cancels an order: its buyer before the stall confirms, an admin (with a reason) before it ships. The stock comes back."
);
order_move!(
    confirm,
    "confirm_order",
    Move::Confirm,
    "/api/v1/orders/{id}/confirm",
    "The stall accepts a placed order."
);
order_move!(
    deliver,
    "deliver_order",
    Move::Deliver,
    "/api/v1/orders/{id}/deliver",
    "The stall marks a shipped order delivered; cash on delivery is then paid."
);
order_move!(
    reject,
    "reject_order",
    Move::Reject,
    "/api/v1/orders/{id}/reject",
    "The stall refuses an order before shipping, with a reason. The stock comes back."
);

/// How a confirmed order leaves the stall.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipBody {
    /// `self` (or absent): the stall delivers itself. An integrated carrier's id (`ghn`):
    /// the parcel is booked with it on the stall's account. Any other name (`Viettel Post`):
    /// the stall's own delivery by a carrier it deals with itself, kept as typed (as older
    /// clients send it).
    #[schema(max_length = 64, example = "ghn")]
    pub carrier: Option<String>,
    /// The integrated carrier's service (a quote's `service_id`); only with an integrated
    /// carrier; absent: the stall's account's service.
    #[schema(max_length = 32, example = "53320")]
    pub service: Option<String>,
    /// The tracking number of the stall's own delivery; an integrated carrier gives its own.
    #[schema(max_length = 64, example = "VTP24120587")]
    pub tracking_no: Option<String>,
    /// A note kept in the order's history.
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

/// The stall ships a confirmed order. With an integrated carrier (`carrier: "ghn"`) the
/// parcel is booked with it on the stall's account: the cash to collect is the order's total
/// for cash on delivery (0 when paid online), the weight its lines', the sender the stall and
/// the recipient the order's address; the answer carries the `shipment` (waybill, label,
/// status, events). Booking is idempotent: the order's number is the carrier's client order
/// code, so retries, concurrent requests and a retry after a lost answer never make a second
/// waybill (a request while another is booking is `shipment_booking`; a retry after success
/// answers the shipped order). Without one (`self`, absent, or a carrier's name typed by
/// hand), the stall delivers itself, as before.
#[utoipa::path(post, operation_id = "ship_order", path = "/api/v1/orders/{id}/ship", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    request_body(content = Option<ShipBody>),
    responses(
        (status = 200, body = OrderView),
        (status = 409, description = "`invalid_transition`: not confirmed, or not the stall's; `carrier_not_configured`: the stall has no account with the carrier named (`details.carrier`); `shipment_booking`: another request is booking it right now, try again shortly; `carrier_refused`, `carrier_credentials_refused`, `commune_not_served`: the carrier refused the booking, nothing changed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `tracking_no` with an integrated carrier, `service` without one, or too long", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`carrier_unavailable`: the carrier did not answer; the order is still confirmed and the same request may be retried (it never books twice)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ship(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<ShipBody>,
) -> ApiResult<axum::Json<OrderView>> {
    let body = body.unwrap_or_default();
    let words = order::shipments::ShipWords {
        carrier: body.carrier.as_deref(),
        service: body.service.as_deref(),
        tracking_no: body.tracking_no.as_deref(),
        reason: body.reason.as_deref(),
    };
    let view = state
        .orders
        .ship(&state.db, &auth.user.actor(), super::path_id(&id)?, words)
        .await?;
    Ok(axum::Json(view))
}

/// Why a delivered order is refunded.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    /// 3 to 1000 characters (a return accepted, a dispute decided for the buyer).
    #[schema(min_length = 3, max_length = 1000)]
    pub reason: String,
}

/// Refunds a delivered order (admins): the stall's ledger entries for it are reversed; money
/// paid online is owed back to the buyer (a card refund is sent now and retried, a bank
/// transfer's is paid back by hand); for cash on delivery the stall pays back what it
/// collected. The order stays `delivered`; its history records the refund.
#[utoipa::path(post, operation_id = "refund_order", path = "/api/v1/orders/{id}/refund", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    request_body = RefundBody,
    responses(
        (status = 200, body = OrderView),
        (status = 409, description = "`invalid_transition`: not delivered; `already_refunded`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refund(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<RefundBody>,
) -> ApiResult<axum::Json<OrderView>> {
    let id = super::path_id(&id)?;
    let view = state
        .orders
        .refund(&state.db, &auth.user.actor(), id, &body.reason)
        .await?;
    Ok(axum::Json(view))
}

/// The buyer gives the bank account for the order's refunds paid by hand (a bank transfer's
/// or cash on delivery's; a card's money goes back to the card): a bank of the list (its BIN,
/// or the name people know it by), the number, the holder. It replaces any given before and
/// goes on the order's refunds owed and not yet paid, where the administrator who pays them
/// reads it. Audited.
#[utoipa::path(put, operation_id = "set_order_refund_account", path = "/api/v1/orders/{id}/refund-account", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    request_body = RefundAccount,
    responses(
        (status = 200, body = OrderRefundAccount),
        (status = 404, description = "No such order, or not the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`refund_to_card`: paid by card", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `bank_bin` not a bank of the list, `account_no` or `account_name` malformed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_refund_account(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<RefundAccount>,
) -> ApiResult<axum::Json<OrderRefundAccount>> {
    let id = super::path_id(&id)?;
    let account = state
        .orders
        .set_refund_account(&state.db, &auth.user.actor(), id, &body)
        .await?;
    Ok(axum::Json(account))
}

/// The bank account the buyer gave for the order's refunds (its buyer, admins).
#[utoipa::path(get, operation_id = "get_order_refund_account", path = "/api/v1/orders/{id}/refund-account", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses(
        (status = 200, body = OrderRefundAccount),
        (status = 404, description = "No such order, not the caller's, or no account given", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refund_account(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<OrderRefundAccount>> {
    let id = super::path_id(&id)?;
    let account = state
        .orders
        .refund_account(&state.db, &auth.user.actor(), id)
        .await?;
    Ok(axum::Json(account))
}
