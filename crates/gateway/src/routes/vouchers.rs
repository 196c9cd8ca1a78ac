//! Vouchers: `admin/vouchers` (the platform's, funded by the marketplace; administrators) and
//! `stalls/{id}/vouchers` (a stall's, funded by it and valid only on its goods; its owner
//! writes, its members and administrators read). Buyers give the codes at checkout.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use chrono::Utc;
use common::Page;
use promotions::{NewVoucher, Voucher, VoucherPatch};
use uuid::Uuid;

use super::PageParams;
use crate::{
    error::{ApiResult, Problem},
    extract::{AuthUser, Json, Query},
    state::AppState,
};

/// Creates a platform voucher (administrators). A percent above 50, or a fixed amount above
/// half of `min_subtotal`, is refused (`over_promotion_cap`: Decree 81/2018, Art. 7, as
/// amended by Decree 128/2024) unless `concentrated` marks a concentrated promotion programme,
/// which may cut up to 100 %. `free_delivery` waives each order's delivery fee up to `value`
/// đồng (0: all of it).
#[utoipa::path(post, operation_id = "create_platform_voucher", path = "/api/v1/admin/vouchers", tag = "vouchers", security(("bearer" = [])),
    request_body = NewVoucher,
    responses(
        (status = 201, description = "Created", body = Voucher),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`voucher_code_taken`: another voucher has this code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `length_out_of_range`, `invalid` (code), `out_of_range`, `over_promotion_cap` (value), `before_other` (ends_at), `unknown_category`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_platform(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<NewVoucher>,
) -> ApiResult<(StatusCode, axum::Json<Voucher>)> {
    let v = state
        .vouchers
        .create_platform(&state.db, &auth.user.actor(), body, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(v)))
}

/// The platform's vouchers, newest first (administrators).
#[utoipa::path(get, operation_id = "list_platform_vouchers", path = "/api/v1/admin/vouchers", tag = "vouchers", security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, body = Page<Voucher>),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_platform(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<PageParams>,
) -> ApiResult<axum::Json<Page<Voucher>>> {
    let page = q.page()?;
    Ok(axum::Json(
        state
            .vouchers
            .list_platform(&state.db, &auth.user.actor(), page)
            .await?,
    ))
}

/// One platform voucher (administrators).
#[utoipa::path(get, operation_id = "get_platform_voucher", path = "/api/v1/admin/vouchers/{vid}", tag = "vouchers", security(("bearer" = [])),
    params(("vid" = Uuid, Path, description = "Voucher id")),
    responses(
        (status = 200, body = Voucher),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such platform voucher", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_platform(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(vid): Path<Uuid>,
) -> ApiResult<axum::Json<Voucher>> {
    Ok(axum::Json(
        state
            .vouchers
            .get_platform(&state.db, &auth.user.actor(), vid)
            .await?,
    ))
}

/// Changes a platform voucher (administrators): before its first use, its value, limits and
/// window; once used, only `ends_at`, `usage_limit` (never below the uses so far) and
/// `active` (`false` ends it at once).
#[utoipa::path(patch, operation_id = "update_platform_voucher", path = "/api/v1/admin/vouchers/{vid}", tag = "vouchers", security(("bearer" = [])),
    params(("vid" = Uuid, Path, description = "Voucher id")),
    request_body = VoucherPatch,
    responses(
        (status = 200, body = Voucher),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such platform voucher", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`voucher_in_use`: a used voucher's terms cannot change", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `out_of_range`, `over_promotion_cap` (value), `before_other` (ends_at)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_platform(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(vid): Path<Uuid>,
    Json(body): Json<VoucherPatch>,
) -> ApiResult<axum::Json<Voucher>> {
    Ok(axum::Json(
        state
            .vouchers
            .update_platform(&state.db, &auth.user.actor(), vid, body, Utc::now())
            .await?,
    ))
}

/// Creates a voucher of the stall (its owner), funded by the stall and valid only on its
/// goods. The 50 % cap holds as for the platform's; a stall cannot mark a programme
/// `concentrated` (422 `invalid`).
#[utoipa::path(post, operation_id = "create_stall_voucher", path = "/api/v1/stalls/{id}/vouchers", tag = "vouchers", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    request_body = NewVoucher,
    responses(
        (status = 201, description = "Created", body = Voucher),
        (status = 403, description = "Not the stall's owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such stall", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`voucher_code_taken`: another voucher has this code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `length_out_of_range`, `invalid` (code, concentrated), `out_of_range`, `over_promotion_cap` (value), `before_other` (ends_at), `unknown_category`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_for_stall(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<NewVoucher>,
) -> ApiResult<(StatusCode, axum::Json<Voucher>)> {
    let v = state
        .vouchers
        .create_for_stall(&state.db, &auth.user.actor(), &id, body, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(v)))
}

/// The stall's vouchers, newest first (its members and administrators).
#[utoipa::path(get, operation_id = "list_stall_vouchers", path = "/api/v1/stalls/{id}/vouchers", tag = "vouchers", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug"), PageParams),
    responses(
        (status = 200, body = Page<Voucher>),
        (status = 403, description = "Not a member of the stall", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such stall", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_for_stall(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Query(q): Query<PageParams>,
) -> ApiResult<axum::Json<Page<Voucher>>> {
    let page = q.page()?;
    Ok(axum::Json(
        state
            .vouchers
            .list_for_stall(&state.db, &auth.user.actor(), &id, page)
            .await?,
    ))
}

/// One voucher of the stall (its members and administrators).
#[utoipa::path(get, operation_id = "get_stall_voucher", path = "/api/v1/stalls/{id}/vouchers/{vid}", tag = "vouchers", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug"), ("vid" = Uuid, Path, description = "Voucher id")),
    responses(
        (status = 200, body = Voucher),
        (status = 403, description = "Not a member of the stall", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such stall, or no such voucher of it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_for_stall(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, vid)): Path<(String, Uuid)>,
) -> ApiResult<axum::Json<Voucher>> {
    Ok(axum::Json(
        state
            .vouchers
            .get_for_stall(&state.db, &auth.user.actor(), &id, vid)
            .await?,
    ))
}

/// Changes a voucher of the stall (its owner), as for the platform's.
#[utoipa::path(patch, operation_id = "update_stall_voucher", path = "/api/v1/stalls/{id}/vouchers/{vid}", tag = "vouchers", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug"), ("vid" = Uuid, Path, description = "Voucher id")),
    request_body = VoucherPatch,
    responses(
        (status = 200, body = Voucher),
        (status = 403, description = "Not the stall's owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such stall, or no such voucher of it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`voucher_in_use`: a used voucher's terms cannot change", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `out_of_range`, `over_promotion_cap` (value), `before_other` (ends_at)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_for_stall(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, vid)): Path<(String, Uuid)>,
    Json(body): Json<VoucherPatch>,
) -> ApiResult<axum::Json<Voucher>> {
    Ok(axum::Json(
        state
            .vouchers
            .update_for_stall(&state.db, &auth.user.actor(), &id, vid, body, Utc::now())
            .await?,
    ))
}
