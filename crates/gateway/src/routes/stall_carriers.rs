//! A stall's parcel carrier (`stalls/{id}/carrier`): which carrier ships its parcels and its
//! account there. Set and removed by the owner, read by the owner and administrators; the
//! token is stored sealed and never answered.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use carriers::{StallCarrierInput, StallCarrierView};
use chrono::Utc;

use crate::{
    error::{ApiResult, Problem},
    extract::{AuthUser, Json},
    state::AppState,
};

/// Connects the stall to a carrier (its owner), replacing what was set: the carrier, the
/// stall's shop there, its token (sealed at rest, never answered: the answer says
/// `token_set`) and service type. Without a token the one stored before stays, or the
/// platform's token for the carrier serves the shop. The stall's commune must be one the
/// carrier's address mapping knows. Quotes of the stall's parcels then come from the carrier.
#[utoipa::path(put, operation_id = "put_stall_carrier", path = "/api/v1/stalls/{id}/carrier", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    request_body = StallCarrierInput,
    responses(
        (status = 200, body = StallCarrierView),
        (status = 403, description = "`forbidden`: not the stall's owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such stall", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`commune_not_served`: the carrier's address mapping does not know the stall's commune (`details.commune_code`); `carrier_tokens_unavailable`: a token was given but the marketplace has no key to seal it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `carrier` not one set up, `shop_id` not digits, `token` too short, too long or with spaces, or required when the marketplace has no platform token, `service_type_id` not 2 or 5", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`carrier_not_configured`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<StallCarrierInput>,
) -> ApiResult<axum::Json<StallCarrierView>> {
    Ok(axum::Json(
        state
            .stall_carriers
            .put(&state.db, &auth.user.actor(), &id, body, Utc::now())
            .await?,
    ))
}

/// The stall's carrier (its owner and administrators): never the token, only `token_set`
/// and whose it is.
#[utoipa::path(get, operation_id = "get_stall_carrier", path = "/api/v1/stalls/{id}/carrier", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    responses(
        (status = 200, body = StallCarrierView),
        (status = 403, description = "`forbidden`: staff of the stall, or another user of a public stall", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such stall, or it delivers itself (no carrier set)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<StallCarrierView>> {
    Ok(axum::Json(
        state
            .stall_carriers
            .get(&state.db, &auth.user.actor(), &id)
            .await?,
    ))
}

/// Disconnects the stall from its carrier (its owner): the stall delivers itself again at its
/// rate table; waybills already booked stay with the carrier.
#[utoipa::path(delete, operation_id = "delete_stall_carrier", path = "/api/v1/stalls/{id}/carrier", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "`forbidden`: not the stall's owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such stall, or no carrier set", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .stall_carriers
        .delete(&state.db, &auth.user.actor(), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
