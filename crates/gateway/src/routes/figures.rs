//! The reports to the authorities (administrators): the province's trade report and the tax
//! office's quarterly report of sellers; each answers CSV to `Accept: text/csv`. Not to be
//! confused with [`super::reports`], buyers' reports of listings.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use chrono::NaiveDate;
use common::{FieldCode, FieldError};
use reporting::{
    sellers::SellerReport,
    trade::{GroupBy, Period, TradeQuery, TradeReport},
};
use serde::Deserialize;

use crate::{
    error::{ApiError, ApiResult, Problem},
    extract::{AuthUser, Query},
    state::AppState,
};

fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"))
}

fn csv(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// What the trade report is asked for.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TradeParams {
    /// The first day (`YYYY-MM-DD`, Vietnam's calendar).
    #[param(example = "2026-10-01")]
    pub from: NaiveDate,
    /// The last day, included (`YYYY-MM-DD`); at most 366 days in all.
    #[param(example = "2026-12-31")]
    pub to: NaiveDate,
    /// What the rows are grouped by.
    #[param(inline)]
    pub group_by: GroupBy,
    /// Rows by day, month or quarter too.
    #[param(inline)]
    pub period: Option<Period>,
}

/// The first and last days a trade report may cover, the years the sellers' report and the
/// tax months take too (a day far past them overflowed the report's day keys).
const DAYS: std::ops::RangeInclusive<NaiveDate> = match (
    NaiveDate::from_ymd_opt(2000, 1, 1),
    NaiveDate::from_ymd_opt(2999, 12, 31),
) {
    (Some(first), Some(last)) => first..=last,
    _ => panic!("the report's bounds are days"),
};

/// `from` and `to` within [`DAYS`], each named when it is not.
fn check_days(q: &TradeParams) -> ApiResult<()> {
    let outside: Vec<FieldError> = [("from", q.from), ("to", q.to)]
        .into_iter()
        .filter(|(_, day)| !DAYS.contains(day))
        .map(|(name, _)| {
            FieldError::new(
                name,
                FieldCode::OutOfRange,
                "must be a day from 2000-01-01 to 2999-12-31",
            )
        })
        .collect();
    if outside.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(outside))
    }
}

/// The province's trade report (admins): over days of Vietnam's calendar, the delivered goods
/// value net of refunds and of the stalls' own discounts (`gmv`, delivery fees excluded),
/// orders, units, distinct buyers and active stalls, grouped by the stall's commune, the
/// buyer's province, OCOP stars or group, category or stall (and by period with `period`);
/// totals counting each buyer, order and stall once, with the stalls newly approved; OCOP
/// products listed and sold by stars. CSV (UTF-8 with a byte-order mark, Vietnamese headers)
/// with `Accept: text/csv`.
#[utoipa::path(get, operation_id = "get_trade_report", path = "/api/v1/admin/reports/trade", tag = "admin", security(("bearer" = [])),
    params(TradeParams),
    responses(
        (status = 200, description = "JSON, or CSV with `Accept: text/csv`", content((TradeReport = "application/json"), (String = "text/csv"))),
        (status = 403, description = "`forbidden`: not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `from`, `to`, `group_by` or `period` missing or not one of theirs, a day before 2000 or after 2999, `to` before `from`, more than 366 days", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn trade(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    Query(q): Query<TradeParams>,
) -> ApiResult<Response> {
    check_days(&q)?;
    let query = TradeQuery {
        from: q.from,
        to: q.to,
        group_by: q.group_by,
        period: q.period,
    };
    let r = reporting::trade::report(&state.db, &auth.user.actor(), &query).await?;
    Ok(if wants_csv(&headers) {
        csv(
            &format!("trade-{}-{}", r.from, r.to),
            reporting::trade::csv(&r),
        )
    } else {
        axum::Json(r).into_response()
    })
}

/// The quarterly report of sellers for the tax office (admins; Decree 91/2022/NĐ-CP amending
/// Decree 126/2020/NĐ-CP): every stall that sold in the quarter, whatever its legal form, with
/// its name, legal form, tax code, personal identification number, address, phone and revenue
/// (goods and delivery fees earned, net of its own discounts and of refunds, from its ledger).
/// CSV with `Accept: text/csv`.
#[utoipa::path(get, operation_id = "get_seller_report", path = "/api/v1/admin/reports/sellers/{quarter}", tag = "admin", security(("bearer" = [])),
    params(("quarter" = String, Path, description = "`yyyy-Qn`, e.g. `2026-Q3`")),
    responses(
        (status = 200, description = "JSON, or CSV with `Accept: text/csv`", content((SellerReport = "application/json"), (String = "text/csv"))),
        (status = 403, description = "`forbidden`: not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `quarter` not `yyyy-Qn`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sellers(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    Path(quarter): Path<String>,
) -> ApiResult<Response> {
    let r = reporting::sellers::report(&state.db, &auth.user.actor(), &quarter).await?;
    Ok(if wants_csv(&headers) {
        csv(
            &format!("sellers-{}", r.quarter),
            reporting::sellers::csv(&r),
        )
    } else {
        axum::Json(r).into_response()
    })
}
