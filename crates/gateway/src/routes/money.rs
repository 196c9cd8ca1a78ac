//! The vendors' money: a stall's balance, ledger, statements, payout account and tax profile;
//! for administrators the commission rules, payout batches, payouts, adjustments, every
//! stall's balance and the monthly withholding report. Statements, batches and the report
//! answer CSV to `Accept: text/csv`.

use std::time::Duration;

use axum::{
    body::{Body, Bytes},
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use common::Page;
use ledger::{
    EntryKind, PayoutStatus,
    payouts::{BatchRequest, BatchView, PayoutView, StallPayout},
    profile::{BankAccountInput, BankAccountView, TaxProfile},
    reading::{
        Balance, EntryFilter, EntryView, Statement, StatementExport, StatementFormat,
        WithholdingReport,
    },
    rules::{NewRule, RulePatch, RuleView},
};
use order::stats::StallStats;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use tracing::Instrument;
use utoipa::ToSchema;

use super::PageParams;
use crate::{
    error::{ApiResult, Problem},
    extract::{AuthUser, Json, OptionalJson, Query},
    state::AppState,
};

fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"))
}

fn csv(name: &str, body: impl Into<Body>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        body.into(),
    )
        .into_response()
}

/// The stall's balance: `pending` (in its holding period), `payable`, `in_payout` (paid out,
/// not yet confirmed); negative when the stall owes the marketplace (members, admins).
#[utoipa::path(get, operation_id = "get_stall_balance", path = "/api/v1/stalls/{id}/balance", tag = "money", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    responses(
        (status = 200, body = Balance),
        (status = 404, description = "No such stall, or not the caller's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn balance(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Balance>> {
    Ok(axum::Json(
        state
            .ledger
            .balance(&state.db, &auth.user.actor(), &id)
            .await?,
    ))
}

super::paged_params! {
    /// `?from=&to=&kind=&page=&per_page=`
    LedgerParams {
        /// Entries written at or after (RFC 3339).
        from: Option<DateTime<Utc>>,
        /// Entries written before (RFC 3339).
        to: Option<DateTime<Utc>>,
        /// Of one kind.
        kind: Option<EntryKind>,
    }
}

/// The stall's ledger entries, newest first (members, admins). `amount` is signed: + owed
/// to the stall.
#[utoipa::path(get, operation_id = "list_ledger_entries", path = "/api/v1/stalls/{id}/ledger", tag = "money", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug"), LedgerParams),
    responses(
        (status = 200, body = Page<EntryView>),
    ))]
pub async fn ledger_entries(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Query(q): Query<LedgerParams>,
) -> ApiResult<axum::Json<Page<EntryView>>> {
    let page = q.page()?;
    let filter = EntryFilter {
        from: q.from,
        to: q.to,
        kind: q.kind,
    };
    Ok(axum::Json(
        state
            .ledger
            .entries(&state.db, &auth.user.actor(), &id, filter, page)
            .await?,
    ))
}

super::paged_params! {
    /// `?status=&page=&per_page=`
    StallPayoutParams {
        /// Only payouts in this status.
        status: Option<PayoutStatus>,
    }
}

/// The stall's payouts, newest first (members, admins): `pending` (sent to the bank, not yet
/// confirmed), `paid` (with the bank's reference and `paid_at`) or `returned` (its amount is
/// payable again).
#[utoipa::path(get, operation_id = "list_stall_payouts", path = "/api/v1/stalls/{id}/payouts", tag = "money", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug"), StallPayoutParams),
    responses(
        (status = 200, body = Page<StallPayout>),
        (status = 404, description = "No such stall, or not the caller's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn stall_payouts(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Query(q): Query<StallPayoutParams>,
) -> ApiResult<axum::Json<Page<StallPayout>>> {
    let page = q.page()?;
    Ok(axum::Json(
        state
            .ledger
            .stall_payouts(&state.db, &auth.user.actor(), &id, q.status, page)
            .await?,
    ))
}

/// `?from=&to=`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsParams {
    /// The first day (`YYYY-MM-DD`, Vietnam's calendar).
    #[param(example = "2026-11-01")]
    pub from: chrono::NaiveDate,
    /// The last day, included (`YYYY-MM-DD`); at most 366 days in all.
    #[param(example = "2026-11-30")]
    pub to: chrono::NaiveDate,
}

/// The stall's sales by day of Vietnam's calendar (members, admins): orders placed and not
/// cancelled (`placed`, `confirmed`, `shipped`, `delivered`), their revenue (goods value,
/// delivery fees excluded, net of what was refunded or is owed back on them, counted on the
/// order's day) and units; the totals; the ten products that sold most units. Every day of the
/// period is listed, zeros included.
#[utoipa::path(get, operation_id = "get_stall_stats", path = "/api/v1/stalls/{id}/stats", tag = "money", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug"), StatsParams),
    responses(
        (status = 200, body = StallStats),
        (status = 404, description = "No such stall, or not the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `from` or `to` missing or not a date, `to` before `from`, more than 366 days", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn stall_stats(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Query(q): Query<StatsParams>,
) -> ApiResult<axum::Json<StallStats>> {
    Ok(axum::Json(
        state
            .orders
            .stall_stats(&state.db, &auth.user.actor(), &id, q.from, q.to)
            .await?,
    ))
}

/// The stall's statement of a month of Vietnam's calendar: opening balance, sums per kind
/// (sales, delivery, commission, VAT, PIT, refunds, payouts…), closing balance and every
/// entry; CSV with `Accept: text/csv` (members, admins).
///
/// Sent as it is read, a thousand entries at a time; of the current month, it lists the
/// entries written before the request. One cut short by a failure ends without HTTP's end of
/// body (and a CSV without its `closing_balance` line). At most
/// `ledger.max_concurrent_exports` are sent at once; one more waits up to
/// `ledger.export_wait_secs` for its turn, then is refused with 503 `exports_busy`.
#[utoipa::path(get, operation_id = "get_statement", path = "/api/v1/stalls/{id}/statements/{month}", tag = "money", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug"), ("month" = String, Path, description = "`yyyy-mm`")),
    responses(
        (status = 200, description = "JSON, or CSV with `Accept: text/csv`", content((Statement = "application/json"), (String = "text/csv"))),
        (status = 422, description = "`validation_failed`: not `yyyy-mm`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`exports_busy`: too many statements are being sent at once, with `Retry-After`; `timeout`: the answer took longer than `http.request_timeout_secs`; `unavailable`: a service it needs is down", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn statement(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    Path((id, month)): Path<(String, String)>,
) -> ApiResult<Response> {
    let format = if wants_csv(&headers) {
        StatementFormat::Csv
    } else {
        StatementFormat::Json
    };
    let export = state
        .ledger
        .statement_export(&state.db, &auth.user.actor(), &id, &month, format)
        .await?;
    let stall_limit = Duration::from_secs(state.config.http.request_timeout_secs);
    let body = export_body(state.db.clone(), export, stall_limit);
    Ok(match format {
        StatementFormat::Csv => csv(&format!("statement-{month}"), body),
        StatementFormat::Json => {
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
    })
}

/// A piece of a statement on its way to the client.
enum Part {
    Bytes(Vec<u8>),
    /// The statement is whole.
    End,
}

/// The export as a response body, read by a task of its own one piece ahead of the client, so
/// a statement holds a chunk or two in memory however long it is. A failure, or a client that
/// takes longer than `stall_limit` to accept the next piece (its export permit would be held
/// for nothing), ends the body without its end: the client sees a broken transfer, never a
/// statement that looks whole.
fn export_body(db: DatabaseConnection, mut export: StatementExport, stall_limit: Duration) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Part>(1);
    tokio::spawn(
        async move {
            loop {
                let bytes = match export.next_part(&db).await {
                    Ok(Some(bytes)) => bytes,
                    Ok(None) => break,
                    Err(e) => {
                        let cause = e.source.as_ref().map_or(e.message, ToString::to_string);
                        tracing::error!(code = e.code, error = %cause, "statement cut short");
                        return;
                    }
                };
                match tokio::time::timeout(stall_limit, tx.send(Part::Bytes(bytes))).await {
                    Ok(Ok(())) => {}
                    // The client went away.
                    Ok(Err(_)) => return,
                    Err(_) => {
                        tracing::warn!(?export, "client stopped reading a statement; cut short");
                        return;
                    }
                }
            }
            // The permit goes back before the client learns the statement is whole.
            drop(export);
            let _ = tokio::time::timeout(stall_limit, tx.send(Part::End)).await;
        }
        .instrument(tracing::Span::current()),
    );
    // Fused: a layer above (compression) may poll again after the end, which a bare unfold
    // answers with a panic.
    Body::from_stream(futures_util::StreamExt::fuse(futures_util::stream::unfold(
        Some(rx),
        |rx| async move {
            let mut rx = rx?;
            match rx.recv().await {
                Some(Part::Bytes(bytes)) => Some((Ok(Bytes::from(bytes)), Some(rx))),
                Some(Part::End) => None,
                None => Some((Err(std::io::Error::other("statement cut short")), None)),
            }
        },
    )))
}

/// Registers or changes the account payouts go to (the owner). Audited; no payout goes to a
/// new account before `ledger.cooling_off_hours` have passed (`usable_from`).
#[utoipa::path(put, path = "/api/v1/stalls/{id}/bank-account", tag = "money", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    request_body = BankAccountInput,
    responses(
        (status = 200, body = BankAccountView),
        (status = 403, description = "Staff and administrators cannot change it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_bank_account(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<BankAccountInput>,
) -> ApiResult<axum::Json<BankAccountView>> {
    Ok(axum::Json(
        state
            .ledger
            .set_bank_account(&state.db, &auth.user.actor(), &id, body)
            .await?,
    ))
}

/// The account payouts go to (the owner, admins); 404 `not_found` when none is registered.
#[utoipa::path(get, operation_id = "get_bank_account", path = "/api/v1/stalls/{id}/bank-account", tag = "money", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    responses(
        (status = 200, body = BankAccountView),
    ))]
pub async fn bank_account(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<BankAccountView>> {
    state
        .ledger
        .bank_account(&state.db, &auth.user.actor(), &id)
        .await?
        .map(axum::Json)
        .ok_or_else(|| common::Error::not_found("Bank account").into())
}

/// Sets the seller's tax code and/or citizen id for the withholding declaration (the owner).
#[utoipa::path(put, path = "/api/v1/stalls/{id}/tax-profile", tag = "money", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    request_body = TaxProfile,
    responses(
        (status = 200, body = TaxProfile),
    ))]
pub async fn set_tax_profile(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<TaxProfile>,
) -> ApiResult<axum::Json<TaxProfile>> {
    Ok(axum::Json(
        state
            .ledger
            .set_tax_profile(&state.db, &auth.user.actor(), &id, body)
            .await?,
    ))
}

/// The seller's tax profile (the owner, admins).
#[utoipa::path(get, operation_id = "get_tax_profile", path = "/api/v1/stalls/{id}/tax-profile", tag = "money", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    responses(
        (status = 200, body = TaxProfile),
    ))]
pub async fn tax_profile(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<TaxProfile>> {
    Ok(axum::Json(
        state
            .ledger
            .tax_profile(&state.db, &auth.user.actor(), &id)
            .await?,
    ))
}

/// Every commission rule, newest first (admins).
#[utoipa::path(get, operation_id = "list_commission_rules", path = "/api/v1/admin/commission-rules", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<RuleView>),
    ))]
pub async fn commission_rules(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<axum::Json<Vec<RuleView>>> {
    Ok(axum::Json(
        state
            .ledger
            .commission_rules(&state.db, &auth.user.actor())
            .await?,
    ))
}

/// Adds a commission rule (admins): a default (no category, no stall), a category subtree's
/// or a stall's rate with its dates. Precedence: a stall's rule, then the deepest category,
/// then the default; among equals the latest `valid_from`. Audited.
#[utoipa::path(post, path = "/api/v1/admin/commission-rules", tag = "admin", security(("bearer" = [])),
    request_body = NewRule,
    responses(
        (status = 201, body = RuleView),
    ))]
pub async fn add_commission_rule(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<NewRule>,
) -> ApiResult<(StatusCode, axum::Json<RuleView>)> {
    let r = state
        .ledger
        .add_commission_rule(&state.db, &auth.user.actor(), body)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(r)))
}

/// Changes a commission rule (admins); entries already written keep the rule as applied.
#[utoipa::path(patch, path = "/api/v1/admin/commission-rules/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Rule id")),
    request_body = RulePatch,
    responses(
        (status = 200, body = RuleView),
    ))]
pub async fn update_commission_rule(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<RulePatch>,
) -> ApiResult<axum::Json<RuleView>> {
    let id = super::path_id(&id)?;
    Ok(axum::Json(
        state
            .ledger
            .update_commission_rule(&state.db, &auth.user.actor(), id, body)
            .await?,
    ))
}

/// Runs a payout batch (admins): every stall whose payable balance is at least `minimum`
/// (default `ledger.payout_minimum`) and whose bank account is past its cooling-off is paid
/// it; with `stall_id`, that stall only. The answer lists the payouts and the stalls skipped,
/// with why. Two batches at once never pay one earning twice.
#[utoipa::path(post, operation_id = "create_payout_batch", path = "/api/v1/admin/payout-batches", tag = "admin", security(("bearer" = [])),
    request_body(content = Option<BatchRequest>),
    responses(
        (status = 201, body = BatchView),
    ))]
pub async fn run_batch(
    State(state): State<AppState>,
    auth: AuthUser,
    OptionalJson(body): OptionalJson<BatchRequest>,
) -> ApiResult<(StatusCode, axum::Json<BatchView>)> {
    let b = state
        .ledger
        .run_batch(&state.db, &auth.user.actor(), body.unwrap_or_default())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(b)))
}

/// A payout batch with its payouts (admins); with `Accept: text/csv`, the bank's bulk
/// transfer file.
#[utoipa::path(get, operation_id = "get_payout_batch", path = "/api/v1/admin/payout-batches/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Batch id")),
    responses(
        (status = 200, description = "JSON, or CSV with `Accept: text/csv`", content((BatchView = "application/json"), (String = "text/csv"))),
    ))]
pub async fn batch(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = super::path_id(&id)?;
    let b = state
        .ledger
        .batch(&state.db, &auth.user.actor(), id)
        .await?;
    Ok(if wants_csv(&headers) {
        csv(&format!("payouts-{id}"), state.ledger.batch_csv(&b))
    } else {
        axum::Json(b).into_response()
    })
}

/// The bank's reference of a payout sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaidBody {
    /// 3 to 100 characters, as on the bank statement.
    #[schema(min_length = 3, max_length = 100)]
    pub bank_reference: String,
}

/// Why a payout came back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnedBody {
    /// 3 to 1000 characters.
    #[schema(min_length = 3, max_length = 1000)]
    pub reason: String,
}

/// Records a pending payout sent, with the bank's reference (admins). Audited.
#[utoipa::path(post, path = "/api/v1/admin/payouts/{id}/paid", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Payout id")),
    request_body = PaidBody,
    responses(
        (status = 200, body = PayoutView),
        (status = 409, description = "`payout_decided`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn payout_paid(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<PaidBody>,
) -> ApiResult<axum::Json<PayoutView>> {
    let id = super::path_id(&id)?;
    Ok(axum::Json(
        state
            .ledger
            .mark_paid(&state.db, &auth.user.actor(), id, &body.bank_reference)
            .await?,
    ))
}

/// Records a pending payout returned by the bank (admins): its amount is back in the stall's
/// payable balance. Audited.
#[utoipa::path(post, path = "/api/v1/admin/payouts/{id}/returned", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Payout id")),
    request_body = ReturnedBody,
    responses(
        (status = 200, body = PayoutView),
        (status = 409, description = "`payout_decided`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn payout_returned(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<ReturnedBody>,
) -> ApiResult<axum::Json<PayoutView>> {
    let id = super::path_id(&id)?;
    Ok(axum::Json(
        state
            .ledger
            .mark_returned(&state.db, &auth.user.actor(), id, &body.reason)
            .await?,
    ))
}

/// An administrator's correction.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentBody {
    /// Signed đồng, non-zero: + owed to the stall.
    pub amount: i64,
    /// 3 to 1000 characters.
    #[schema(min_length = 3, max_length = 1000)]
    pub reason: String,
}

/// Corrects a stall's balance by a new `adjustment` entry (admins; entries are never changed).
/// Audited.
#[utoipa::path(post, operation_id = "adjust_stall_balance", path = "/api/v1/admin/stalls/{id}/adjustments", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "Stall id or slug")),
    request_body = AdjustmentBody,
    responses(
        (status = 201, body = EntryView),
    ))]
pub async fn adjust(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<AdjustmentBody>,
) -> ApiResult<(StatusCode, axum::Json<EntryView>)> {
    let e = state
        .ledger
        .adjust(
            &state.db,
            &auth.user.actor(),
            &id,
            body.amount,
            &body.reason,
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(e)))
}

/// Every stall's balance that has money (admins).
#[utoipa::path(get, operation_id = "list_balances", path = "/api/v1/admin/balances", tag = "admin", security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, body = Page<Balance>),
    ))]
pub async fn balances(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<PageParams>,
) -> ApiResult<axum::Json<Page<Balance>>> {
    let page = q.page()?;
    Ok(axum::Json(
        state
            .ledger
            .balances(&state.db, &auth.user.actor(), page)
            .await?,
    ))
}

/// The month's withholding report for the tax declaration under Decree 117 (admins): per
/// household-business or individual seller, name, tax code or citizen id, goods revenue, VAT
/// and PIT withheld, net of refunds, with totals; CSV with `Accept: text/csv`.
#[utoipa::path(get, operation_id = "get_withholding_report", path = "/api/v1/admin/reports/withholding/{month}", tag = "admin", security(("bearer" = [])),
    params(("month" = String, Path, description = "`yyyy-mm`")),
    responses(
        (status = 200, description = "JSON, or CSV with `Accept: text/csv`", content((WithholdingReport = "application/json"), (String = "text/csv"))),
        (status = 422, description = "`validation_failed`: not `yyyy-mm`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn withholding_report(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    Path(month): Path<String>,
) -> ApiResult<Response> {
    let r = state
        .ledger
        .withholding_report(&state.db, &auth.user.actor(), &month)
        .await?;
    Ok(if wants_csv(&headers) {
        csv(
            &format!("withholding-{month}"),
            state.ledger.withholding_csv(&r),
        )
    } else {
        axum::Json(r).into_response()
    })
}
