//! Reports of listings and takedowns: anyone reports a product or a stall (rate-limited per
//! client address and per user), administrators record authority requests, work the queue,
//! take down or dismiss, and decide on the reviews stalls ask for.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use chrono::Utc;
use common::{Actor, Page, PageRequest};
use compliance::reports::{
    NewAuthorityRequest, NewReport, QueueFilter, Report, ReportKind, ReportQueue, ReportStatus,
    Takedown, TakedownStatus,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::{
    error::{ApiError, ApiResult, Problem},
    extract::{AuthUser, ClientIp, Json, MaybeActor, OptionalJson, Query},
    routes::{admin::ReasonBody, path_id},
    state::AppState,
};

/// What a stall fixed, asking for a review of its takedown.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// What was fixed, 3 to 2000 characters.
    #[schema(min_length = 3, max_length = 2000)]
    pub message: String,
}

/// `?status=&kind=&page=&per_page=`
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QueueParams {
    /// `open` (default), `taken_down` or `dismissed`.
    pub status: Option<ReportStatus>,
    /// `user_report` or `authority_request` (default: both, authority requests first).
    pub kind: Option<ReportKind>,
    /// Page number.
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Page size.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

/// `?status=&page=&per_page=`
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TakedownParams {
    /// `review_requested` (default), `in_force` or `lifted`.
    pub status: Option<TakedownStatus>,
    /// Page number.
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Page size.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

/// Takes one report from the caller's address, and from the caller if signed in (any
/// address): 429 with `Retry-After` once either is spent.
async fn limit(state: &AppState, ip: std::net::IpAddr, actor: &Actor) -> ApiResult<()> {
    let limits = &state.limits;
    limits
        .report_ip
        .check(&ip.to_string())
        .await
        .map_err(ApiError::rate_limited)?;
    if let Some(user) = actor.user_id() {
        limits
            .report_user
            .check(&user.to_string())
            .await
            .map_err(ApiError::rate_limited)?;
    }
    Ok(())
}

/// 201 for a new report, 200 for the caller's open report of the same listing.
fn filed(f: compliance::reports::Filed) -> (StatusCode, axum::Json<Report>) {
    let status = if f.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, axum::Json(f.report))
}

/// Reports a product (anyone; rate-limited per client address and per signed-in user).
///
/// A product the public does not see is 404, as its page is. A signed-in user's second report
/// of a product while their first is open answers 200 with the first.
#[utoipa::path(post, path = "/api/v1/products/{id}/reports", tag = "products",
    params(("id" = String, Path, description = "Product id or slug")),
    request_body = NewReport,
    responses(
        (status = 201, description = "Reported", body = Report),
        (status = 200, description = "The caller's open report of this product", body = Report),
        (status = 401, description = "`unauthorized`: a token was sent but is expired or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such product, or the public does not see it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `detail` is required for `other`, `evidence` for `intellectual_property`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn report_product(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<NewReport>,
) -> ApiResult<(StatusCode, axum::Json<Report>)> {
    limit(&state, ip, &actor).await?;
    let f = state
        .reports
        .report_product(&state.db, &actor, &id, &body, Utc::now())
        .await?;
    Ok(filed(f))
}

/// Reports a stall (anyone; rate-limited per client address and per signed-in user).
///
/// A stall the public does not see is 404, as its page is. A signed-in user's second report
/// of a stall while their first is open answers 200 with the first.
#[utoipa::path(post, path = "/api/v1/stalls/{id}/reports", tag = "stalls",
    params(("id" = String, Path, description = "Stall id or slug")),
    request_body = NewReport,
    responses(
        (status = 201, description = "Reported", body = Report),
        (status = 200, description = "The caller's open report of this stall", body = Report),
        (status = 401, description = "`unauthorized`: a token was sent but is expired or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such stall, or the public does not see it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `detail` is required for `other`, `evidence` for `intellectual_property`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn report_stall(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<NewReport>,
) -> ApiResult<(StatusCode, axum::Json<Report>)> {
    limit(&state, ip, &actor).await?;
    let f = state
        .reports
        .report_stall(&state.db, &actor, &id, &body, Utc::now())
        .await?;
    Ok(filed(f))
}

/// Records a competent authority's request to remove a listing (admins): due 24 hours after
/// `received_at` (Decree 85/2021), shown first in the queue, and alerted to every
/// administrator.
#[utoipa::path(post, operation_id = "record_authority_request", path = "/api/v1/admin/reports", tag = "admin", security(("bearer" = [])),
    request_body = NewAuthorityRequest,
    responses(
        (status = 201, description = "Recorded", body = Report),
        (status = 404, description = "`not_found`: no such product or stall", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: one of `subject.product_id` and `subject.stall_id`, `received_at` not in the future", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn record_authority_request(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<NewAuthorityRequest>,
) -> ApiResult<(StatusCode, axum::Json<Report>)> {
    let r = state
        .reports
        .record_authority_request(&state.db, &auth.user.actor(), &body, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(r)))
}

/// The reports queue (admins): authority requests first, soonest due first, then reports,
/// oldest first; with counts by kind and of overdue authority requests.
#[utoipa::path(get, operation_id = "list_reports", path = "/api/v1/admin/reports", tag = "admin", security(("bearer" = [])),
    params(QueueParams),
    responses((status = 200, body = ReportQueue)))]
pub async fn queue(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<QueueParams>,
) -> ApiResult<axum::Json<ReportQueue>> {
    let page = PageRequest::new(q.page, q.per_page)?;
    let filter = QueueFilter {
        status: q.status.unwrap_or(ReportStatus::Open),
        kind: q.kind,
    };
    let r = state
        .reports
        .queue(&state.db, &auth.user.actor(), filter, page, Utc::now())
        .await?;
    Ok(axum::Json(r))
}

/// Takes the reported listing down with a reason its stall reads (admins): the product is
/// hidden, or the stall suspended, and every open report of it closes.
#[utoipa::path(post, operation_id = "take_down_report", path = "/api/v1/admin/reports/{id}/takedown", tag = "admin", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Report id")),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "Taken down", body = Report),
        (status = 409, description = "`report_closed`: taken down or dismissed already; `invalid_transition`: the stall is not selling", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: a reason is required", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn take_down(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<ReasonBody>,
) -> ApiResult<axum::Json<Report>> {
    let id = path_id(&id)?;
    let reason = body.and_then(|b| b.reason);
    let r = state
        .reports
        .take_down(
            &state.db,
            &auth.user.actor(),
            id,
            reason.as_deref(),
            Utc::now(),
        )
        .await?;
    Ok(axum::Json(r))
}

/// Dismisses a report with a reason (admins); the listing stays.
#[utoipa::path(post, operation_id = "dismiss_report", path = "/api/v1/admin/reports/{id}/dismiss", tag = "admin", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Report id")),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "Dismissed", body = Report),
        (status = 409, description = "`report_closed`: taken down or dismissed already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: a reason is required", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn dismiss(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<ReasonBody>,
) -> ApiResult<axum::Json<Report>> {
    let id = path_id(&id)?;
    let reason = body.and_then(|b| b.reason);
    let r = state
        .reports
        .dismiss(
            &state.db,
            &auth.user.actor(),
            id,
            reason.as_deref(),
            Utc::now(),
        )
        .await?;
    Ok(axum::Json(r))
}

/// Asks for a review of a product's takedown, saying what was fixed (members of its stall);
/// the administrators hear of it.
#[utoipa::path(post, path = "/api/v1/products/{id}/review-request", tag = "products", security(("bearer" = [])),
    params(("id" = String, Path, description = "Product id or slug")),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "Review requested", body = Takedown),
        (status = 409, description = "`not_taken_down`: the product is not taken down; `review_pending`: a review is already asked for", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_product_review(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<ReviewRequest>,
) -> ApiResult<axum::Json<Takedown>> {
    let t = state
        .reports
        .request_product_review(
            &state.db,
            &auth.user.actor(),
            &id,
            Some(&body.message),
            Utc::now(),
        )
        .await?;
    Ok(axum::Json(t))
}

/// Asks for a review of the stall's takedown, saying what was fixed (its members); the
/// administrators hear of it.
#[utoipa::path(post, path = "/api/v1/stalls/{id}/review-request", tag = "stalls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "Review requested", body = Takedown),
        (status = 409, description = "`not_taken_down`: the stall is not taken down; `review_pending`: a review is already asked for", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_stall_review(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<ReviewRequest>,
) -> ApiResult<axum::Json<Takedown>> {
    let t = state
        .reports
        .request_stall_review(
            &state.db,
            &auth.user.actor(),
            &id,
            Some(&body.message),
            Utc::now(),
        )
        .await?;
    Ok(axum::Json(t))
}

/// Takedowns by status (admins): reviews waiting for a decision by default, the longest
/// waiting first, each with its stall's count of takedowns.
#[utoipa::path(get, operation_id = "list_takedowns", path = "/api/v1/admin/takedowns", tag = "admin", security(("bearer" = [])),
    params(TakedownParams),
    responses((status = 200, body = Page<Takedown>)))]
pub async fn takedowns(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<TakedownParams>,
) -> ApiResult<axum::Json<Page<Takedown>>> {
    let page = PageRequest::new(q.page, q.per_page)?;
    let status = q.status.unwrap_or(TakedownStatus::ReviewRequested);
    let p = state
        .reports
        .takedowns(&state.db, &auth.user.actor(), status, page)
        .await?;
    Ok(axum::Json(p))
}

/// Lifts a takedown (admins): the product shows again, or the stall sells again, and the
/// stall hears it.
#[utoipa::path(post, operation_id = "lift_takedown", path = "/api/v1/admin/takedowns/{id}/lift", tag = "admin", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Takedown id")),
    request_body(content = ReasonBody, description = "A reason, recorded if given (an empty body is taken too)"),
    responses(
        (status = 200, description = "Lifted", body = Takedown),
        (status = 409, description = "`not_taken_down`: lifted already; `identity_unverified`: the stall's seller is not verified", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn lift(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<ReasonBody>,
) -> ApiResult<axum::Json<Takedown>> {
    let id = path_id(&id)?;
    let reason = body.and_then(|b| b.reason);
    let t = state
        .reports
        .lift(
            &state.db,
            &auth.user.actor(),
            id,
            reason.as_deref(),
            Utc::now(),
        )
        .await?;
    Ok(axum::Json(t))
}

/// Refuses a review with a reason the stall hears (admins): the takedown stays.
#[utoipa::path(post, operation_id = "uphold_takedown", path = "/api/v1/admin/takedowns/{id}/uphold", tag = "admin", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Takedown id")),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "Upheld", body = Takedown),
        (status = 409, description = "`no_review_pending`: no review is waiting; `not_taken_down`: lifted already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: a reason is required", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn uphold(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<ReasonBody>,
) -> ApiResult<axum::Json<Takedown>> {
    let id = path_id(&id)?;
    let reason = body.and_then(|b| b.reason);
    let t = state
        .reports
        .uphold(
            &state.db,
            &auth.user.actor(),
            id,
            reason.as_deref(),
            Utc::now(),
        )
        .await?;
    Ok(axum::Json(t))
}
