//! Decree 117's periods and certificates: administrators close a month of the withholding
//! declaration and list the closed ones; a household business's or individual's owner (and
//! administrators) read its certificate of a closed month or of a span of them, as JSON or, with
//! `Accept: text/html`, as a printable page; administrators reissue a certificate by a new one
//! that replaces it.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use ledger::tax::{CertificateView, Reissue, TaxPeriodView};

use crate::{
    error::{ApiResult, Problem},
    extract::{AuthUser, Json},
    state::AppState,
};

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// Closes a month of the withholding declaration (admins): only a month that has ended, after
/// the month before it; its figures are stored and its certificates issued, and neither
/// changes after. Closing a closed month answers it as it was. Audited by `closed_by`.
#[utoipa::path(post, operation_id = "close_tax_period", path = "/api/v1/admin/tax-periods/{month}/close", tag = "admin", security(("bearer" = [])),
    params(("month" = String, Path, description = "`yyyy-mm`")),
    responses(
        (status = 200, body = TaxPeriodView),
        (status = 409, description = "`period_not_ended`: the month has not ended; `period_out_of_order`: the month before is open", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: not `yyyy-mm`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn close_tax_period(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(month): Path<String>,
) -> ApiResult<axum::Json<TaxPeriodView>> {
    Ok(axum::Json(
        state
            .ledger
            .close_tax_period(&state.db, &auth.user.actor(), &month)
            .await?,
    ))
}

/// Every closed month of the withholding declaration, newest first (admins).
#[utoipa::path(get, operation_id = "list_tax_periods", path = "/api/v1/admin/tax-periods", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<TaxPeriodView>),
    ))]
pub async fn tax_periods(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<axum::Json<Vec<TaxPeriodView>>> {
    Ok(axum::Json(
        state
            .ledger
            .tax_periods(&state.db, &auth.user.actor())
            .await?,
    ))
}

/// The stall's withholding certificate of a closed month, or of a span of closed months
/// `yyyy-mm..yyyy-mm` (at most 12, issued at the first request and the same after), its latest
/// correction (the owner, admins): what was withheld, both parties' identities, numbered; a
/// span's sums its months' declared figures and lists them. `Accept: text/html` for the
/// printable page. 409 `period_open` while the month (or one of the span's) is open; 404 when
/// nothing was withheld.
#[utoipa::path(get, operation_id = "get_withholding_certificate", path = "/api/v1/stalls/{id}/withholding-certificates/{period}", tag = "money", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug"), ("period" = String, Path, description = "A month `yyyy-mm`, or a span of months `yyyy-mm..yyyy-mm` (at most 12; a span of one month is that month)")),
    responses(
        (status = 200, description = "JSON, or a printable page with `Accept: text/html`", content((CertificateView = "application/json"), (String = "text/html"))),
        (status = 409, description = "`period_open`: the month, or a month of the span (named in `details.month`), is not closed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: not `yyyy-mm` (field `month`) nor `yyyy-mm..yyyy-mm` (field `period`: malformed, ending before it starts, longer than 12 months)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn withholding_certificate(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    Path((id, period)): Path<(String, String)>,
) -> ApiResult<Response> {
    let c = state
        .ledger
        .withholding_certificate(&state.db, &auth.user.actor(), &id, &period)
        .await?;
    Ok(if wants_html(&headers) {
        (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'",
                ),
            ],
            ledger::tax::certificate_html(&c),
        )
            .into_response()
    } else {
        axum::Json(c).into_response()
    })
}

/// Reissues a withholding certificate (admins), say after the seller's identity was
/// corrected: a new number, the same figures, today's identities, naming the one it
/// replaces, which stays as it was. 409 `certificate_replaced` when it was replaced already.
#[utoipa::path(post, operation_id = "reissue_withholding_certificate", path = "/api/v1/admin/withholding-certificates/{number}/reissue", tag = "admin", security(("bearer" = [])),
    params(("number" = String, Path, description = "The certificate's number, `CT-yyyy-nnnnnn`")),
    request_body = Reissue,
    responses(
        (status = 201, body = CertificateView),
        (status = 409, description = "`certificate_replaced`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reissue_certificate(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(number): Path<String>,
    Json(body): Json<Reissue>,
) -> ApiResult<(StatusCode, axum::Json<CertificateView>)> {
    let c = state
        .ledger
        .reissue_certificate(&state.db, &auth.user.actor(), &number, body)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(c)))
}
