//! `me/addresses`: the buyer's address book.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use order::addresses::{AddressPatch, AddressView, NewAddress};

use crate::{
    error::{ApiResult, Problem},
    extract::{AuthUser, Json},
    state::AppState,
};

/// The caller's addresses, the default first.
#[utoipa::path(get, operation_id = "list_addresses", path = "/api/v1/me/addresses", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, body = [AddressView]),
        (status = 401, description = "`unauthorized`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<axum::Json<Vec<AddressView>>> {
    Ok(axum::Json(
        state.addresses.list(&state.db, &auth.user.actor()).await?,
    ))
}

/// Adds an address (checked against the national map); the first becomes the default.
#[utoipa::path(post, operation_id = "add_address", path = "/api/v1/me/addresses", tag = "auth", security(("bearer" = [])),
    request_body = NewAddress,
    responses(
        (status = 201, body = AddressView),
        (status = 401, description = "`unauthorized`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`too_many_addresses`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, naming the field (an unknown commune, a commune of another province, a bad phone)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<NewAddress>,
) -> ApiResult<(StatusCode, axum::Json<AddressView>)> {
    let view = state
        .addresses
        .add(&state.db, &auth.user.actor(), body)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// Changes an address of the caller's.
#[utoipa::path(patch, operation_id = "update_address", path = "/api/v1/me/addresses/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Address id")),
    request_body = AddressPatch,
    responses(
        (status = 200, body = AddressView),
        (status = 401, description = "`unauthorized`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: not an address of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<AddressPatch>,
) -> ApiResult<axum::Json<AddressView>> {
    Ok(axum::Json(
        state
            .addresses
            .update(&state.db, &auth.user.actor(), super::path_id(&id)?, body)
            .await?,
    ))
}

/// Deletes an address of the caller's.
#[utoipa::path(delete, operation_id = "delete_address", path = "/api/v1/me/addresses/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Address id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "`unauthorized`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .addresses
        .delete(&state.db, &auth.user.actor(), super::path_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
