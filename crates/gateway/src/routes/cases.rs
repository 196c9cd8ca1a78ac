//! Complaints, returns and refunds: a buyer opens a case on a delivered order
//! (`orders/{id}/cases`), the stall answers (`cases/{id}/respond`) and confirms returned goods
//! (`cases/{id}/received`), anyone involved writes (`cases/{id}/messages`), the buyer escalates
//! a rejection (`cases/{id}/escalate`), administrators work their queue (`admin/cases`) and
//! decide (`admin/cases/{id}/resolve`); the buyer's (`me/cases`) and the stall's
//! (`stalls/{id}/cases`) lists.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use chrono::Utc;
use common::Page;
use order::{
    case::CaseStatus,
    cases::{Answer, CaseMessage, CaseView, NewCase, Resolution},
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::path_id;
use crate::{
    error::{ApiResult, Problem},
    extract::{AuthUser, Json, Query},
    state::AppState,
};

/// The stall's answer to a case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseAnswer {
    /// `accept` or `reject`.
    pub decision: Answer,
    /// To the buyer, 1 to 2 000 characters.
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "Shop xin lỗi, bạn gửi lại chai vỡ giúp shop nhé."
    )]
    pub message: String,
}

super::paged_params! {
    /// `?status=&page=&per_page=`
    CaseListParams {
        /// Only cases in this status.
        status: Option<CaseStatus>,
    }
}

/// Opens a case on a delivered order (its buyer), within `cases.window_days` of delivery: a
/// return, a refund or a complaint, with the lines concerned (none: the whole order) and
/// evidence. The stall must answer within `cases.stall_response_hours`, or the case goes to the
/// administrators by itself.
#[utoipa::path(post, operation_id = "open_case", path = "/api/v1/orders/{id}/cases", tag = "cases", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    request_body = NewCase,
    responses(
        (status = 201, description = "Opened; the stall is told", body = CaseView),
        (status = 403, description = "A member of the stall or an administrator, not the buyer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order, or another user's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`order_not_delivered`, `case_window_closed`, `case_already_open`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `required`, `length_out_of_range`, `invalid`, `out_of_range`, `too_long`, `invalid_url`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn open(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<NewCase>,
) -> ApiResult<(StatusCode, axum::Json<CaseView>)> {
    let case = state
        .cases
        .open(
            &state.db,
            &auth.user.actor(),
            path_id(&id)?,
            body,
            Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(case)))
}

/// A case with its timeline (its buyer, the stall's members, administrators).
#[utoipa::path(get, operation_id = "get_case", path = "/api/v1/cases/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, body = CaseView),
        (status = 404, description = "No such case, or not the caller's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<CaseView>> {
    let case = state
        .cases
        .get(&state.db, &auth.user.actor(), path_id(&id)?)
        .await?;
    Ok(axum::Json(case))
}

/// Writes on a case (its buyer, a stall member, an administrator) until it is decided; the
/// other side is told. The buyer may give the account for the money to go back to with it.
#[utoipa::path(post, operation_id = "write_on_case", path = "/api/v1/cases/{id}/messages", tag = "cases", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = CaseMessage,
    responses(
        (status = 201, description = "Written; the case with its timeline", body = CaseView),
        (status = 409, description = "`case_closed`: the case was decided", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `length_out_of_range`, `invalid` (a refund account from anyone but the buyer)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn message(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<CaseMessage>,
) -> ApiResult<(StatusCode, axum::Json<CaseView>)> {
    let case = state
        .cases
        .message(
            &state.db,
            &auth.user.actor(),
            path_id(&id)?,
            &body,
            Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(case)))
}

/// The stall's answer (a member), while the case is open: accept or reject, with a message
/// the buyer reads.
#[utoipa::path(post, operation_id = "answer_case", path = "/api/v1/cases/{id}/respond", tag = "cases", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = CaseAnswer,
    responses(
        (status = 200, body = CaseView),
        (status = 403, description = "The buyer or an administrator, not a member of the stall", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`case_moved`: answered already or escalated; `case_closed`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn respond(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<CaseAnswer>,
) -> ApiResult<axum::Json<CaseView>> {
    let case = state
        .cases
        .respond(
            &state.db,
            &auth.user.actor(),
            path_id(&id)?,
            body.decision,
            &body.message,
            Utc::now(),
        )
        .await?;
    Ok(axum::Json(case))
}

/// A step of a case one side takes with nothing to say (`{id}` is the case): the use case of
/// the same name, the case with its timeline afterwards.
macro_rules! case_step {
    ($($(#[$doc:meta])* $name:ident, $op:literal, $path:literal, $forbidden:literal, $conflict:literal;)*) => {$(
        $(#[$doc])*
        #[utoipa::path(post, operation_id = $op, path = $path, tag = "cases", security(("bearer" = [])),
            params(("id" = Uuid, Path, description = "Case id")),
            responses(
                (status = 200, body = CaseView),
                (status = 403, description = $forbidden, body = Problem, content_type = "application/problem+json"),
                (status = 409, description = $conflict, body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            State(state): State<AppState>,
            auth: AuthUser,
            Path(id): Path<String>,
        ) -> ApiResult<axum::Json<CaseView>> {
            let case = state
                .cases
                .$name(&state.db, &auth.user.actor(), path_id(&id)?, Utc::now())
                .await?;
            Ok(axum::Json(case))
        }
    )*};
}

case_step! {
    /// The buyer sends a case the stall rejected to the administrators, who are told.
    escalate, "escalate_case", "/api/v1/cases/{id}/escalate", "Not the buyer", "`case_not_rejected`: only a rejection is escalated by the buyer; `case_closed`";
    /// The stall confirms the returned goods arrived (a member), on a return it accepted or one
    /// decided: the lines concerned go back in stock, once, and the buyer is told.
    received, "receive_returned_goods", "/api/v1/cases/{id}/received", "Not a member of the stall", "`not_a_return`; `goods_not_expected`: not accepted, or received already";
}

/// A list of cases in `?status=`, paged, in the order its use case of the same name keeps.
macro_rules! case_list {
    ($($(#[$doc:meta])* $name:ident => $call:ident, $op:literal, $path:literal, $tag:literal;)*) => {$(
        $(#[$doc])*
        #[utoipa::path(get, operation_id = $op, path = $path, tag = $tag, security(("bearer" = [])),
            params(CaseListParams),
            responses((status = 200, body = Page<CaseView>)))]
        pub async fn $name(
            State(state): State<AppState>,
            auth: AuthUser,
            Query(q): Query<CaseListParams>,
        ) -> ApiResult<axum::Json<Page<CaseView>>> {
            let page = q.page()?;
            let actor = auth.user.actor();
            Ok(axum::Json(state.cases.$call(&state.db, &actor, q.status, page).await?))
        }
    )*};
}

case_list! {
    /// The caller's cases as a buyer, newest first.
    mine => mine, "list_my_cases", "/api/v1/me/cases", "cases";
    /// Every case, oldest first, optionally in one status (`escalated`: those waiting for a
    /// decision): the administrators' queue.
    queue => list, "list_cases", "/api/v1/admin/cases", "admin";
}

/// A stall's cases (its members), oldest first: `?status=open` lists those to answer.
#[utoipa::path(get, operation_id = "list_stall_cases", path = "/api/v1/stalls/{id}/cases", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug"), CaseListParams),
    responses(
        (status = 200, body = Page<CaseView>),
        (status = 403, description = "Not a member of a public stall", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn of_stall(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Query(q): Query<CaseListParams>,
) -> ApiResult<axum::Json<Page<CaseView>>> {
    let page = q.page()?;
    let cases = state
        .cases
        .of_stall(&state.db, &auth.user.actor(), &id, q.status, page)
        .await?;
    Ok(axum::Json(cases))
}

/// An administrator decides a case: `refund` of 1 đồng up to the goods value of the lines
/// concerned (never, with the order's other refunds, more than was paid), reversing the
/// stall's ledger and the tax withheld in proportion and owing the money back by the order's
/// payment method (a card through Stripe at once; a bank transfer or cash on delivery by hand
/// to the buyer's refund account, listed in `admin/refunds`); or `reject`. Both sides are told.
#[utoipa::path(post, operation_id = "resolve_case", path = "/api/v1/admin/cases/{id}/resolve", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = Resolution,
    responses(
        (status = 200, body = CaseView),
        (status = 409, description = "`case_closed`: decided already; `case_moved`; `refund_exceeds_paid`: with the order's other refunds, more than was paid", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `out_of_range` (the amount), `conflicting_fields`, `length_out_of_range`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resolve(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<Resolution>,
) -> ApiResult<axum::Json<CaseView>> {
    let case = state
        .cases
        .resolve(
            &state.db,
            &auth.user.actor(),
            path_id(&id)?,
            body,
            Utc::now(),
        )
        .await?;
    Ok(axum::Json(case))
}
