//! Reports of listings and takedowns: anyone reports a product or a stall (rate-limited per
//! client address and per user), administrators record authority requests, work the queue,
//! take down or dismiss, and decide on the reviews stalls ask for.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use chrono::Utc;
use common::{Actor, Page};
use compliance::reports::{
    NewAuthorityRequest, NewReport, QueueFilter, Report, ReportKind, ReportQueue, ReportStatus,
    Takedown, TakedownStatus,
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    error::{ApiResult, Problem},
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

super::paged_params! {
    /// `?status=&kind=&page=&per_page=`
    QueueParams {
        /// `open` (default), `taken_down` or `dismissed`.
        status: Option<ReportStatus>,
        /// `user_report` or `authority_request` (default: both, authority requests first).
        kind: Option<ReportKind>,
    }
}

super::paged_params! {
    /// `?status=&page=&per_page=`
    TakedownParams {
        /// `review_requested` (default), `in_force` or `lifted`.
        status: Option<TakedownStatus>,
    }
}

/// Takes one report from the caller's address, and from the caller if signed in (any
/// address): 429 with `Retry-After` once either is spent.
async fn limit(state: &AppState, ip: std::net::IpAddr, actor: &Actor) -> ApiResult<()> {
    let limits = &state.limits;
    limits.report_ip.take(&ip.to_string()).await?;
    if let Some(user) = actor.user_id() {
        limits.report_user.take(&user.to_string()).await?;
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
/// Reporting a listing (anyone; rate-limited per client address and per signed-in user): a
/// listing the public does not see is 404, as its page is; a signed-in user's second report
/// of it while their first is open answers 200 with the first.
macro_rules! report_listing {
    ($($(#[$doc:meta])* $name:ident, $path:literal, $tag:literal, $id:literal, $open:literal, $missing:literal;)*) => {$(
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = $tag,
            params(("id" = String, Path, description = $id)),
            request_body = NewReport,
            responses(
                (status = 201, description = "Reported", body = Report),
                (status = 200, description = $open, body = Report),
                (status = 401, description = "`unauthorized`: a token was sent but is expired or revoked", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = $missing, body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "`validation_failed`: `detail` is required for `other`, `evidence` for `intellectual_property`", body = Problem, content_type = "application/problem+json"),
                (status = 429, description = "`rate_limited`, with `Retry-After`", body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            State(state): State<AppState>,
            MaybeActor(actor): MaybeActor,
            ClientIp(ip): ClientIp,
            Path(id): Path<String>,
            Json(body): Json<NewReport>,
        ) -> ApiResult<(StatusCode, axum::Json<Report>)> {
            limit(&state, ip, &actor).await?;
            let f = state
                .reports
                .$name(&state.db, &actor, &id, &body, Utc::now())
                .await?;
            Ok(filed(f))
        }
    )*};
}

report_listing! {
    /// Reports a product (anyone; rate-limited per client address and per signed-in user).
    ///
    /// A product the public does not see is 404, as its page is. A signed-in user's second report
    /// of a product while their first is open answers 200 with the first.
    report_product, "/api/v1/products/{id}/reports", "products", "Product id or slug",
        "The caller's open report of this product",
        "`not_found`: no such product, or the public does not see it";
    /// Reports a stall (anyone; rate-limited per client address and per signed-in user).
    ///
    /// A stall the public does not see is 404, as its page is. A signed-in user's second report
    /// of a stall while their first is open answers 200 with the first.
    report_stall, "/api/v1/stalls/{id}/reports", "stalls", "Stall id or slug",
        "The caller's open report of this stall",
        "`not_found`: no such stall, or the public does not see it";
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
    let page = q.page()?;
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
/// An administrator's decision on the report or takedown `{id}` (admins): the use case of the
/// same name with the reason given, the row as it is afterwards. A `required` reason is 422
/// when missing; an `optional` one is recorded if given, and an empty body is taken too.
macro_rules! decision {
    ($($(#[$doc:meta])* $name:ident -> $out:ty, $op:literal, $path:literal, $id:literal, $done:literal, $conflict:literal, $reason:ident;)*) => {$(
        decision!(@$reason [$(#[$doc])*] $name, $out, $op, $path, $id, $done, $conflict);
    )*};
    (@required [$($doc:tt)*] $name:ident, $out:ty, $op:literal, $path:literal, $id:literal, $done:literal, $conflict:literal) => {
        decision!(@handler [$($doc)*
        #[utoipa::path(post, operation_id = $op, path = $path, tag = "admin", security(("bearer" = [])),
            params(("id" = uuid::Uuid, Path, description = $id)),
            request_body = ReasonBody,
            responses(
                (status = 200, description = $done, body = $out),
                (status = 409, description = $conflict, body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "`validation_failed`: a reason is required", body = Problem, content_type = "application/problem+json"),
            ))]] $name, $out);
    };
    (@optional [$($doc:tt)*] $name:ident, $out:ty, $op:literal, $path:literal, $id:literal, $done:literal, $conflict:literal) => {
        decision!(@handler [$($doc)*
        #[utoipa::path(post, operation_id = $op, path = $path, tag = "admin", security(("bearer" = [])),
            params(("id" = uuid::Uuid, Path, description = $id)),
            request_body(content = Option<ReasonBody>, description = "A reason, recorded if given (no body, `null` and `{}` are taken too)"),
            responses(
                (status = 200, description = $done, body = $out),
                (status = 409, description = $conflict, body = Problem, content_type = "application/problem+json"),
            ))]] $name, $out);
    };
    (@handler [$($attrs:tt)*] $name:ident, $out:ty) => {
        $($attrs)*
        pub async fn $name(
            State(state): State<AppState>,
            auth: AuthUser,
            Path(id): Path<String>,
            OptionalJson(body): OptionalJson<ReasonBody>,
        ) -> ApiResult<axum::Json<$out>> {
            let id = path_id(&id)?;
            let reason = body.and_then(|b| b.reason);
            let decided = state
                .reports
                .$name(&state.db, &auth.user.actor(), id, reason.as_deref(), Utc::now())
                .await?;
            Ok(axum::Json(decided))
        }
    };
}

/// Asking for a review of a listing's takedown, saying what was fixed (members of its stall).
macro_rules! request_review {
    ($($(#[$doc:meta])* $name:ident, $path:literal, $tag:literal, $id:literal, $conflict:literal;)*) => {$(
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = $tag, security(("bearer" = [])),
            params(("id" = String, Path, description = $id)),
            request_body = ReviewRequest,
            responses(
                (status = 200, description = "Review requested", body = Takedown),
                (status = 409, description = $conflict, body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            State(state): State<AppState>,
            auth: AuthUser,
            Path(id): Path<String>,
            Json(body): Json<ReviewRequest>,
        ) -> ApiResult<axum::Json<Takedown>> {
            let actor = auth.user.actor();
            let message = Some(body.message.as_str());
            let t = state
                .reports
                .$name(&state.db, &actor, &id, message, Utc::now())
                .await?;
            Ok(axum::Json(t))
        }
    )*};
}

request_review! {
    /// Asks for a review of a product's takedown, saying what was fixed (members of its stall);
    /// the administrators hear of it.
    request_product_review, "/api/v1/products/{id}/review-request", "products", "Product id or slug",
        "`not_taken_down`: the product is not taken down; `review_pending`: a review is already asked for";
    /// Asks for a review of the stall's takedown, saying what was fixed (its members); the
    /// administrators hear of it.
    request_stall_review, "/api/v1/stalls/{id}/review-request", "stalls", "Stall id or slug",
        "`not_taken_down`: the stall is not taken down; `review_pending`: a review is already asked for";
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
    let page = q.page()?;
    let status = q.status.unwrap_or(TakedownStatus::ReviewRequested);
    let p = state
        .reports
        .takedowns(&state.db, &auth.user.actor(), status, page)
        .await?;
    Ok(axum::Json(p))
}

decision! {
    /// Takes the reported listing down with a reason its stall reads (admins): the product is
    /// hidden, or the stall suspended, and every open report of it closes.
    take_down -> Report, "take_down_report", "/api/v1/admin/reports/{id}/takedown", "Report id", "Taken down", "`report_closed`: taken down or dismissed already; `invalid_transition`: the stall is not selling", required;
    /// Dismisses a report with a reason (admins); the listing stays.
    dismiss -> Report, "dismiss_report", "/api/v1/admin/reports/{id}/dismiss", "Report id", "Dismissed", "`report_closed`: taken down or dismissed already", required;
    /// Lifts a takedown (admins): the product shows again, or the stall sells again, and the
    /// stall hears it.
    lift -> Takedown, "lift_takedown", "/api/v1/admin/takedowns/{id}/lift", "Takedown id", "Lifted", "`not_taken_down`: lifted already; `identity_unverified`: the stall's seller is not verified", optional;
    /// Refuses a review with a reason the stall hears (admins): the takedown stays.
    uphold -> Takedown, "uphold_takedown", "/api/v1/admin/takedowns/{id}/uphold", "Takedown id", "Upheld", "`no_review_pending`: no review is waiting; `not_taken_down`: lifted already", required;
}
