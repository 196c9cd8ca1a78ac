//! `carts` (guest carts, held by whoever knows their id), `cart/merge` (a guest cart into the
//! signed-in one at sign-in) and a product page's `delivery-quote`.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use order::{cart::Cart, delivery_quote::QuoteRequest, guest_cart::GuestCart, shipping::Delivery};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::orders::Quantity;
use crate::{
    error::{ApiResult, Problem},
    extract::{AuthUser, ClientIp, Json, Query},
    state::AppState,
};

/// Where to price a guest cart's delivery to (optional): a commune.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GuestCartParams {
    /// Province code (may be left out: the commune names it).
    #[param(example = "01")]
    pub province_code: Option<String>,
    /// Commune code of the national map.
    #[param(example = "00070")]
    pub commune_code: Option<String>,
}

/// Starts a guest cart, for someone not signed in: its `id` is the only key to it (random,
/// keep it secret), and it expires `cart.guest_ttl_days` after its last change. Rate-limited
/// per client address (`rate_limit.guest_carts_per_ip_per_day`).
#[utoipa::path(post, operation_id = "create_guest_cart", path = "/api/v1/carts", tag = "orders",
    responses(
        (status = 201, description = "An empty guest cart", body = GuestCart),
        (status = 429, description = "`rate_limited`, with `Retry-After`: this address started too many carts today", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
) -> ApiResult<(StatusCode, axum::Json<GuestCart>)> {
    state.limits.guest_cart_ip.take(&ip.to_string()).await?;
    let cart = state.carts.create_guest(&state.db).await?;
    Ok((StatusCode::CREATED, axum::Json(cart)))
}

/// A guest cart, priced now as `GET /api/v1/cart` prices the signed-in cart; with a
/// `commune_code`, each stall's delivery line (with its estimated days) and the grand total.
#[utoipa::path(get, operation_id = "get_guest_cart", path = "/api/v1/carts/{id}", tag = "orders",
    params(("id" = Uuid, Path, description = "The guest cart's id"), GuestCartParams),
    responses(
        (status = 200, body = GuestCart),
        (status = 404, description = "`not_found`: no such cart, or it expired or was merged", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: an unknown commune, or a commune of another province", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(p): Query<GuestCartParams>,
) -> ApiResult<axum::Json<GuestCart>> {
    let id = super::path_id(&id)?;
    let cart = state
        .carts
        .guest(&state.db, id, p.province_code, p.commune_code)
        .await?;
    Ok(axum::Json(cart))
}

/// Sets how many of a product's variant a guest cart holds (0 removes the line), within the
/// signed-in cart's bounds; each change pushes the cart's expiry back.
#[utoipa::path(put, operation_id = "set_guest_cart_item", path = "/api/v1/carts/{id}/items/{product_or_variant_id}", tag = "orders",
    params(
        ("id" = Uuid, Path, description = "The guest cart's id"),
        ("product_or_variant_id" = Uuid, Path, description = "A variant's id (`variants[].id` of the product), or a product's for its first variant", example = "9a4e2c7f-5b1d-4f3a-8c6e-2d7b9f1a3e58"),
    ),
    request_body = Quantity,
    responses(
        (status = 200, body = GuestCart),
        (status = 404, description = "`not_found`: no such cart (or expired, or merged), or no such product on sale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `quantity` out of range, or the cart is full", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_item(
    State(state): State<AppState>,
    Path((id, item)): Path<(String, String)>,
    Json(body): Json<Quantity>,
) -> ApiResult<axum::Json<GuestCart>> {
    let (id, item) = (super::path_id(&id)?, super::path_id(&item)?);
    let cart = state
        .carts
        .set_guest(&state.db, id, item, body.quantity)
        .await?;
    Ok(axum::Json(cart))
}

/// Removes a variant's line from a guest cart, or, named by a product's id, every line of that
/// product.
#[utoipa::path(delete, operation_id = "remove_guest_cart_item", path = "/api/v1/carts/{id}/items/{product_or_variant_id}", tag = "orders",
    params(
        ("id" = Uuid, Path, description = "The guest cart's id"),
        ("product_or_variant_id" = Uuid, Path, description = "A variant's id, or a product's for all its lines", example = "9a4e2c7f-5b1d-4f3a-8c6e-2d7b9f1a3e58"),
    ),
    responses(
        (status = 204, description = "Removed, or was not in the cart"),
        (status = 404, description = "`not_found`: no such cart (or expired, or merged)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_item(
    State(state): State<AppState>,
    Path((id, item)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (id, item) = (super::path_id(&id)?, super::path_id(&item)?);
    state.carts.remove_guest(&state.db, id, item).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The guest cart to merge.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The guest cart's id.
    #[schema(value_type = Uuid, example = "4b1f6a2e-8c3d-4e5f-9a7b-1c2d3e4f5a6b")]
    pub cart_id: String,
}

/// Moves a guest cart's lines into the caller's cart (at sign-in) and answers the caller's
/// cart: quantities of one variant add up, capped by the stock and the cart's bounds; lines no
/// longer on sale are left out. The guest cart is gone afterwards; merging it again changes
/// nothing and answers the caller's cart.
#[utoipa::path(post, operation_id = "merge_guest_cart", path = "/api/v1/cart/merge", tag = "orders", security(("bearer" = [])),
    request_body = MergeBody,
    responses(
        (status = 200, body = Cart),
        (status = 401, description = "`unauthorized`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such guest cart, or it expired", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn merge(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<MergeBody>,
) -> ApiResult<axum::Json<Cart>> {
    let id = super::path_id(body.cart_id.trim())?;
    let cart = state.carts.merge(&state.db, &auth.user.actor(), id).await?;
    Ok(axum::Json(cart))
}

/// Where and how many to quote delivery for.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QuoteParams {
    /// Commune code of the national map (required).
    #[param(example = "00070")]
    pub commune_code: Option<String>,
    /// Province code (may be left out: the commune names it).
    #[param(example = "01")]
    pub province_code: Option<String>,
    /// Units, 1 to 1000 (default 1).
    #[param(minimum = 1, maximum = 1000, example = 2)]
    pub quantity: Option<i64>,
    /// A variant (pack size) of the product; default its first.
    #[param(example = "9a4e2c7f-5b1d-4f3a-8c6e-2d7b9f1a3e58")]
    pub variant_id: Option<Uuid>,
}

/// What delivering the product to a commune would cost and take, from its stall: the fee (the
/// rate table by zone and weight, under the stall's own rules, as the cart prices it), the
/// zone, the parcel's weight and the estimated days (typical figures, not a promise).
#[utoipa::path(get, operation_id = "quote_delivery", path = "/api/v1/products/{id}/delivery-quote", tag = "products",
    params(("id" = String, Path, description = "Product id or slug"), QuoteParams),
    responses(
        (status = 200, body = Delivery),
        (status = 404, description = "`not_found`: no such product, or the public does not see it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `commune_code` missing or unknown, `province_code` not its province, `quantity` out of range, or `variant_id` not the product's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delivery_quote(
    State(state): State<AppState>,
    Path(id_or_slug): Path<String>,
    Query(p): Query<QuoteParams>,
) -> ApiResult<axum::Json<Delivery>> {
    let request = QuoteRequest {
        variant_id: p.variant_id,
        province_code: p.province_code,
        commune_code: p.commune_code,
        quantity: p.quantity,
    };
    let quote = state
        .carts
        .delivery_quote(&state.db, &id_or_slug, request)
        .await?;
    Ok(axum::Json(quote))
}
