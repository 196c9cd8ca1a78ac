//! Reviews: a buyer reviews a product of a delivered order line, once, and edits the review
//! within `reviews.edit_window_days`; anyone reads a product's or a stall's reviews; a member of
//! the stall replies once; anyone signed in reports a review (rate-limited as reports of
//! listings are); administrators work the reports, hide a review with a reason and show it
//! again. A stall cannot hide or delete a review: there is no such endpoint, as the
//! E-commerce Law forbids suppressing lawful reviews.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use chrono::Utc;
use common::Page;
use reviews::{
    ListFilter, NewReply, NewReview, NewReviewReport, ReportStatus, Review, ReviewPatch,
    ReviewReport, Sort,
};

use crate::{
    error::{ApiResult, Problem},
    extract::{AuthUser, ClientIp, Json, MaybeActor, OptionalJson, Query},
    routes::{admin::ReasonBody, path_id},
    state::AppState,
};

super::paged_params! {
    /// `?sort=&rating=&page=&per_page=`
    ReviewListParams {
        /// `newest` (default), `rating_desc` or `rating_asc`.
        sort: Option<Sort>,
        /// Only the reviews of this many stars (1 to 5).
        #[param(minimum = 1, maximum = 5)]
        rating: Option<i64>,
    }
}

super::paged_params! {
    /// `?status=&page=&per_page=`
    ReviewReportParams {
        /// `open` (default) or `hidden`.
        status: Option<ReportStatus>,
    }
}

/// Reviews a product the caller received (its buyer): `order_id` names the delivered order,
/// `order_item_id` the line (absent: the first line of the product there without a review).
/// One review per order line; the stall hears of it; the product's rating counts it at once.
#[utoipa::path(post, operation_id = "create_review", path = "/api/v1/products/{id}/reviews", tag = "reviews", security(("bearer" = [])),
    params(("id" = String, Path, description = "Product id or slug")),
    request_body = NewReview,
    responses(
        (status = 201, description = "Reviewed", body = Review),
        (status = 404, description = "`not_found`: no such product, or the public does not see it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_purchased`: the caller has no delivered line of this product in that order (someone else's order, not delivered, another product); `already_reviewed`: the line (or every line of the product in the order) has its review", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `rating` 1 to 5, `text` up to 2000 characters, at most 6 `images`, each a photo the caller uploaded (`images[i]`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<NewReview>,
) -> ApiResult<(StatusCode, axum::Json<Review>)> {
    let review = state
        .reviews
        .create(&state.db, &auth.user.actor(), &id, &body, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(review)))
}

/// Changes the caller's review (its author only; anyone else's is 404) within
/// `reviews.edit_window_days` of its writing; only the fields given change.
#[utoipa::path(patch, operation_id = "edit_review", path = "/api/v1/reviews/{id}", tag = "reviews", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Review id")),
    request_body = ReviewPatch,
    responses(
        (status = 200, body = Review),
        (status = 404, description = "`not_found`: no such review, or not the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`edit_window_closed`: written more than `reviews.edit_window_days` days ago (`details.days`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: as for a new review", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn edit(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<ReviewPatch>,
) -> ApiResult<axum::Json<Review>> {
    let review = state
        .reviews
        .edit(
            &state.db,
            &auth.user.actor(),
            path_id(&id)?,
            &body,
            Utc::now(),
        )
        .await?;
    Ok(axum::Json(review))
}

/// A review (anyone; a hidden one to administrators and its author only, with why).
#[utoipa::path(get, operation_id = "get_review", path = "/api/v1/reviews/{id}", tag = "reviews",
    params(("id" = uuid::Uuid, Path, description = "Review id")),
    responses(
        (status = 200, body = Review),
        (status = 404, description = "`not_found`: no such review, or hidden", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Review>> {
    let review = state.reviews.get(&state.db, &actor, path_id(&id)?).await?;
    Ok(axum::Json(review))
}

/// A list of reviews of what the path names, newest first or by stars, optionally of one
/// number of stars; hidden reviews are listed to administrators only.
macro_rules! review_list {
    ($($(#[$doc:meta])* $name:ident => $call:ident, $op:literal, $path:literal, $tag:literal, $id:literal, $missing:literal;)*) => {$(
        $(#[$doc])*
        #[utoipa::path(get, operation_id = $op, path = $path, tag = $tag,
            params(("id" = String, Path, description = $id), ReviewListParams),
            responses(
                (status = 200, body = Page<Review>),
                (status = 404, description = $missing, body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "`validation_failed`: `rating` 1 to 5, `sort`, `page`, `per_page`", body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            State(state): State<AppState>,
            MaybeActor(actor): MaybeActor,
            Path(id): Path<String>,
            Query(q): Query<ReviewListParams>,
        ) -> ApiResult<axum::Json<Page<Review>>> {
            let page = q.page()?;
            let filter = ListFilter::new(q.sort, q.rating)?;
            let list = state.reviews.$call(&state.db, &actor, &id, filter, page);
            Ok(axum::Json(list.await?))
        }
    )*};
}

review_list! {
    /// A product's reviews (anyone), newest first or by stars.
    product_reviews => of_product, "list_product_reviews", "/api/v1/products/{id}/reviews", "products",
        "Product id or slug", "`not_found`: no such product, or the public does not see it";
    /// The reviews of a stall's products (anyone), newest first or by stars.
    stall_reviews => of_stall, "list_stall_reviews", "/api/v1/stalls/{id}/reviews", "stalls",
        "Stall id or slug", "`not_found`: no such stall, or the public does not see it";
}

/// The stall's public reply to a review (a member of the review's stall), once.
#[utoipa::path(post, operation_id = "reply_to_review", path = "/api/v1/reviews/{id}/reply", tag = "reviews", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Review id")),
    request_body = NewReply,
    responses(
        (status = 201, description = "Replied", body = Review),
        (status = 403, description = "`forbidden`: not a member of the review's stall", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such review, or hidden", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_replied`: the stall replied already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `text` 1 to 2000 characters", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reply(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<NewReply>,
) -> ApiResult<(StatusCode, axum::Json<Review>)> {
    let review = state
        .reviews
        .reply(
            &state.db,
            &auth.user.actor(),
            path_id(&id)?,
            &body,
            Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(review)))
}

/// Reports a review (anyone signed in; rate-limited per client address and per user, with the
/// reports of listings). The caller's second report of a review answers 200 with the first.
#[utoipa::path(post, operation_id = "report_review", path = "/api/v1/reviews/{id}/reports", tag = "reviews", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Review id")),
    request_body = NewReviewReport,
    responses(
        (status = 201, description = "Reported", body = ReviewReport),
        (status = 200, description = "The caller's earlier report of this review", body = ReviewReport),
        (status = 404, description = "`not_found`: no such review, or hidden", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `detail` up to 1000 characters, required for `other`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn report(
    State(state): State<AppState>,
    auth: AuthUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<NewReviewReport>,
) -> ApiResult<(StatusCode, axum::Json<ReviewReport>)> {
    let id = path_id(&id)?;
    state.limits.report_ip.take(&ip.to_string()).await?;
    state
        .limits
        .report_user
        .take(&auth.user.id.to_string())
        .await?;
    let f = state
        .reviews
        .report(&state.db, &auth.user.actor(), id, &body, Utc::now())
        .await?;
    let status = if f.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(f.report)))
}

/// The reports of reviews (admins), oldest first, each with its review as it is now; `open`
/// by default, with the `total`.
#[utoipa::path(get, operation_id = "list_review_reports", path = "/api/v1/admin/review-reports", tag = "admin", security(("bearer" = [])),
    params(ReviewReportParams),
    responses((status = 200, body = Page<ReviewReport>)))]
pub async fn queue(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<ReviewReportParams>,
) -> ApiResult<axum::Json<Page<ReviewReport>>> {
    let page = q.page()?;
    let status = q.status.unwrap_or(ReportStatus::Open);
    let rows = state
        .reviews
        .queue(&state.db, &auth.user.actor(), status, page)
        .await?;
    Ok(axum::Json(rows))
}

/// Hides a review (admins) with a reason its author reads: audited, out of every public list
/// and rating, its open reports closed.
#[utoipa::path(post, operation_id = "hide_review", path = "/api/v1/admin/reviews/{id}/hide", tag = "admin", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Review id")),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "Hidden", body = Review),
        (status = 409, description = "`already_hidden`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: a reason is required", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn hide(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<ReasonBody>,
) -> ApiResult<axum::Json<Review>> {
    let id = path_id(&id)?;
    let reason = body.reason.as_deref();
    let review = state
        .reviews
        .hide(&state.db, &auth.user.actor(), id, reason, Utc::now())
        .await?;
    Ok(axum::Json(review))
}

/// Shows a hidden review again (admins; a reason is recorded if given): audited, back in the
/// lists and the rating.
#[utoipa::path(post, operation_id = "unhide_review", path = "/api/v1/admin/reviews/{id}/unhide", tag = "admin", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Review id")),
    request_body(content = Option<ReasonBody>, description = "A reason, recorded if given (no body, `null` and `{}` are taken too)"),
    responses(
        (status = 200, description = "Shown", body = Review),
        (status = 409, description = "`not_hidden`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn unhide(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<ReasonBody>,
) -> ApiResult<axum::Json<Review>> {
    let id = path_id(&id)?;
    let reason = body.and_then(|b| b.reason);
    let review = state
        .reviews
        .unhide(
            &state.db,
            &auth.user.actor(),
            id,
            reason.as_deref(),
            Utc::now(),
        )
        .await?;
    Ok(axum::Json(review))
}
