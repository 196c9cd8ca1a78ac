//! Business documents of stalls: `stalls/{id}/documents` (its owner submits; the owner and
//! administrators read), `admin/documents/{id}/verify` and `/reject`, and the administrators'
//! queue `admin/documents`.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use chrono::Utc;
use common::{Page, calendar};
use compliance::documents::{DocumentStatus, NewDocument, StallDocument};
use serde::Deserialize;
use utoipa::ToSchema;

use super::PageParams;
use crate::{
    error::{ApiResult, Problem},
    extract::{AuthUser, Json, Query},
    state::AppState,
};

/// Why a document is rejected.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "Ảnh giấy chứng nhận bị mờ, không đọc được số và ngày hết hạn"}))]
#[serde(deny_unknown_fields)]
pub struct DocumentRejection {
    /// What the owner must fix, 3 to 1000 characters; the owner reads it.
    #[schema(min_length = 3, max_length = 1000)]
    pub reason: String,
}

super::paged_params! {
    /// `?status=&page=&per_page=`
    DocumentQueueParams {
        /// `submitted` (default), `verified`, `rejected` or `superseded`.
        status: Option<DocumentStatus>,
    }
}

/// Submits a business document of the stall (its owner): it waits `submitted` for an
/// administrator, superseding the one of its kind still waiting. A product shows only while its
/// stall holds every document its category requires, verified and unexpired.
#[utoipa::path(post, operation_id = "submit_stall_document", path = "/api/v1/stalls/{id}/documents", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    request_body = NewDocument,
    responses(
        (status = 201, description = "Submitted", body = StallDocument),
        (status = 403, description = "Not the stall's owner", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `not_one_of` (kind), `required`, `too_long`, `too_short`, `in_the_future`, `out_of_range`, `before_other`, `in_the_past` (expires_on: an expired document), `invalid_url`, `too_many`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<NewDocument>,
) -> ApiResult<(StatusCode, axum::Json<StallDocument>)> {
    let document = state
        .documents
        .submit(&state.db, &auth.user.actor(), &id, body, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(document)))
}

/// The stall's business documents, newest first, those superseded included (its owner and
/// administrators).
#[utoipa::path(get, operation_id = "list_stall_documents", path = "/api/v1/stalls/{id}/documents", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug"), PageParams),
    responses(
        (status = 200, body = Page<StallDocument>),
        (status = 403, description = "Staff of the stall, or another user of a public stall", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Query(q): Query<PageParams>,
) -> ApiResult<axum::Json<Page<StallDocument>>> {
    let page = q.page()?;
    Ok(axum::Json(
        state
            .documents
            .list(&state.db, &auth.user.actor(), &id, page, calendar::today())
            .await?,
    ))
}

super::review_desk! {
    documents, super::path_id, uuid::Uuid, "Document id" => StallDocument;
    /// Business documents by status, oldest submission first: the administrators' queue.
    queue(DocumentQueueParams, DocumentStatus::Submitted, calendar::today()): "list_documents", "/api/v1/admin/documents";
    /// Verifies a submitted document (admins): it supersedes the verified one of its kind, the
    /// stall's products that need it may show, and the owner is told.
    verify: "verify_stall_document", "/api/v1/admin/documents/{id}/verify", [
        (status = 409, description = "`invalid_transition`: the document is not waiting for a decision", body = Problem, content_type = "application/problem+json"),
    ];
    /// Rejects a submitted document with a reason the owner reads (admins); the owner may submit
    /// again.
    reject(DocumentRejection): "reject_stall_document", "/api/v1/admin/documents/{id}/reject", [
        (status = 409, description = "`invalid_transition`: the document is not waiting for a decision", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `required`, `too_short`, `too_long` (reason)", body = Problem, content_type = "application/problem+json"),
    ];
}
