//! `me/export`: the signed-in user's personal data.

use axum::extract::State;
use chrono::Utc;

use crate::{
    error::{ApiResult, Problem},
    extract::AuthUser,
    personal::export::{self, Export},
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
