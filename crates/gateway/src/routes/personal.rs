//! `me/export` and `DELETE me`: the signed-in user's personal data, read or erased.

use axum::{extract::State, http::StatusCode};
use chrono::Utc;

use crate::{
    error::{ApiResult, Problem},
    extract::AuthUser,
    personal::{
        erase::{self, Services},
        export::{self, Export},
    },
    state::AppState,
};

/// Everything the marketplace holds about the caller, as JSON: the account, addresses, orders
/// with their lines and shipping addresses, cases, consents, sessions (without their secrets),
/// notifications, stall memberships, the seller identities they submitted and the reports they
/// filed, table by table as the register of personal data lists them.
#[utoipa::path(
    get, operation_id = "export_me", path = "/api/v1/me/export", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's personal data", body = Export,
         example = json!({
             "user_id": "01938a52-7c1e-7e30-9a1b-6f0c2d4e5a10",
             "exported_at": "2026-12-05T08:30:00Z",
             "tables": {
                 "users": [{
                     "id": "01938a52-7c1e-7e30-9a1b-6f0c2d4e5a10",
                     "email": "lan.nguyen@example.vn",
                     "full_name": "Nguyễn Thị Lan",
                     "phone": "0912345678",
                     "is_admin": false,
                     "created_at": "2026-11-30T02:00:00Z"
                 }],
                 "addresses": [{
                     "recipient": "Nguyễn Thị Lan",
                     "phone": "0912345678",
                     "province_code": "01",
                     "commune_code": "00004",
                     "street": "12 Hàng Bạc"
                 }],
                 "sessions": [{
                     "id": "01938a52-8d2f-7a41-8b2c-1a2b3c4d5e6f",
                     "created_at": "2026-12-05T08:00:00Z",
                     "expires_at": "2027-01-04T08:00:00Z",
                     "revoked_at": null
                 }]
             }
         })),
        (status = 401, description = "`unauthorized`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn export(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<axum::Json<Export>> {
    Ok(axum::Json(
        export::export_me(&state.db, auth.user.id, Utc::now()).await?,
    ))
}

/// Erases the caller's account: it can no longer sign in (its sessions and links go, no
/// password works, its email is replaced by a placeholder so the address may register again);
/// names, emails, phones, addresses, the texts the caller wrote (order notes, case
/// descriptions and messages, report details) and client addresses are removed or replaced.
/// Orders, ledger entries and tax records keep their amounts and dates for the legal
/// retention period, attributed to the anonymous account. Refused while an order of the
/// caller's is not delivered or cancelled, a case of theirs is not resolved, a refund owed to
/// them is not paid, or they own or manage a stall (hand it over or have it closed first), and
/// while the caller is the only active administrator.
#[utoipa::path(
    delete, operation_id = "erase_me", path = "/api/v1/me", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Erased; the caller's token no longer works"),
        (status = 401, description = "`unauthorized`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`erasure_blocked`: orders not finished, cases not resolved, refunds not yet paid or stalls owned or managed; `details` counts each (`orders`, `cases`, `refunds`, `stalls`) and names them (`open_orders`, `open_cases`, `owed_refunds`, `stalls_held` as `{id, name}`); `last_administrator`: the caller is the marketplace's only active (neither disabled nor erased) administrator, and another account must be made one first. Nothing changed", body = Problem, content_type = "application/problem+json",
         example = json!({
             "type": "urn:problem:marketplace:erasure_blocked",
             "title": "Conflict",
             "status": 409,
             "detail": "Chưa thể xoá tài khoản: còn 1 đơn hàng chưa hoàn tất, 0 khiếu nại chưa giải quyết, 0 khoản hoàn tiền chưa trả xong và 0 gian hàng bạn sở hữu hoặc quản lý. Hãy chờ đơn hàng được giao hoặc huỷ, khiếu nại được giải quyết và tiền được hoàn, bàn giao hoặc đóng gian hàng trước.",
             "code": "erasure_blocked",
             "errors": [],
             "details": {
                 "orders": "1", "cases": "0", "refunds": "0", "stalls": "0",
                 "open_orders": ["01938a52-9e3f-7b52-9c3d-2b3c4d5e6f70"],
                 "open_cases": [],
                 "owed_refunds": [],
                 "stalls_held": []
             }
         })),
    )
)]
pub async fn erase(State(state): State<AppState>, auth: AuthUser) -> ApiResult<StatusCode> {
    let services = Services {
        accounts: &state.accounts,
        catalog: &state.catalog,
    };
    erase::erase_me(&state.db, &services, &auth.user, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
