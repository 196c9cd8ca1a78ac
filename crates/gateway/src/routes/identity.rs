//! The seller's identity: `stalls/{id}/identity` (its owner submits it; the owner and
//! administrators read it whole), `admin/stalls/{id}/identity/verify` and `/reject`, and the
//! administrators' queue `admin/identities` (numbers masked).

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use chrono::Utc;
use common::Page;
use compliance::identity::{IdentityStatus, NewIdentity, SellerIdentity};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    error::{ApiResult, Problem},
    extract::{AuthUser, Json, Query},
    state::AppState,
};

/// Why an identity is rejected.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityRejection {
    /// What the owner must fix, 3 to 1000 characters; the owner reads it.
    #[schema(min_length = 3, max_length = 1000)]
    pub reason: String,
}

super::paged_params! {
    /// `?status=&page=&per_page=`
    IdentityQueueParams {
        /// `pending` (default), `verified` or `rejected`.
        status: Option<IdentityStatus>,
    }
}

/// Submits the seller's identity (the stall's owner). It replaces a pending or rejected one and
/// waits `pending` for an administrator; a stall is approved only once it is `verified`.
#[utoipa::path(post, operation_id = "submit_seller_identity", path = "/api/v1/stalls/{id}/identity", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    request_body = NewIdentity,
    responses(
        (status = 201, description = "Submitted; the number is shown whole to the owner", body = SellerIdentity),
        (status = 403, description = "Not the stall's owner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_verified`: a verified identity is not replaced", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `invalid_citizen_id`, `invalid_document_number`, `invalid_name`, `too_young`, `in_the_future`, `invalid_url`, `too_many`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<NewIdentity>,
) -> ApiResult<(StatusCode, axum::Json<SellerIdentity>)> {
    let identity = state
        .identities
        .submit(&state.db, &auth.user.actor(), &id, body, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(identity)))
}

/// The seller's identity, number whole (the stall's owner and administrators only).
#[utoipa::path(get, operation_id = "get_seller_identity", path = "/api/v1/stalls/{id}/identity", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    responses(
        (status = 200, body = SellerIdentity),
        (status = 403, description = "Staff of the stall, or another user of a public stall", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such stall, or no identity submitted yet", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<SellerIdentity>> {
    Ok(axum::Json(
        state
            .identities
            .get(&state.db, &auth.user.actor(), &id)
            .await?,
    ))
}

/// The stall's id or slug, as the path gives it.
fn stall_ref(id: &str) -> ApiResult<&str> {
    Ok(id)
}

super::review_desk! {
    identities, stall_ref, String, "Stall id or slug" => SellerIdentity;
    /// Seller identities by status, oldest submission first, numbers masked (all but the last
    /// three characters): the administrators' queue.
    queue(IdentityQueueParams, IdentityStatus::Pending): "list_seller_identities", "/api/v1/admin/identities";
    /// Verifies the stall's pending seller identity (admins): the stall may be approved, and one
    /// suspended for lacking it sells again. The owner is told.
    verify: "verify_seller_identity", "/api/v1/admin/stalls/{id}/identity/verify", [
        (status = 404, description = "No such stall, or no identity submitted", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`: the identity is not pending", body = Problem, content_type = "application/problem+json"),
    ];
    /// Rejects the stall's pending seller identity with a reason the owner reads (admins); the
    /// owner may submit again.
    reject(IdentityRejection): "reject_seller_identity", "/api/v1/admin/stalls/{id}/identity/reject", [
        (status = 409, description = "`invalid_transition`: the identity is not pending", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such stall, or no identity submitted", body = Problem, content_type = "application/problem+json"),
    ];
}
