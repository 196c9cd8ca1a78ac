//! Carriers' remittances of cash on delivery, for administrators: uploading a carrier's
//! statement (CSV as the carrier exports it, or JSON), the statements uploaded, and the cash
//! carriers still hold.

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
};
use chrono::NaiveDate;
use common::{FieldCode, FieldError, Page};
use order::remittances::{Receivables, RemittanceView, StatementInput};
use serde::Deserialize;

use crate::{
    error::{ApiError, ApiResult, Problem},
    extract::{AuthUser, Query, parse_json},
    state::AppState,
};

/// `?carrier=&reference=&remitted_on=`: a CSV statement's own data (a JSON one has them in
/// its body).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    /// The carrier, as configured (`ghn`); required with CSV.
    #[param(example = "ghn")]
    pub carrier: Option<String>,
    /// The carrier's reference of the statement or its transfer; required with CSV.
    #[param(example = "GHN-DS-20261204-0192")]
    pub reference: Option<String>,
    /// The day the carrier remitted (`YYYY-MM-DD`, Vietnam's calendar); required with CSV.
    #[param(example = "2026-12-04")]
    pub remitted_on: Option<NaiveDate>,
}

/// Whether the request's body is of `mime` (parameters such as `charset` aside).
fn is(headers: &HeaderMap, mime: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(mime))
}

/// The statement a request carries: CSV with its data in the query, or JSON.
fn statement(headers: &HeaderMap, q: UploadParams, body: &[u8]) -> ApiResult<StatementInput> {
    let given = [
        ("carrier", q.carrier.is_some()),
        ("reference", q.reference.is_some()),
        ("remitted_on", q.remitted_on.is_some()),
    ];
    if is(headers, "text/csv") {
        let missing: Vec<FieldError> = given
            .iter()
            .filter(|(_, there)| !there)
            .map(|(name, _)| FieldError::new(*name, FieldCode::Required, "is required"))
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::validation(missing));
        }
        let lines = order::remittances::parse::lines(body)?;
        return Ok(StatementInput {
            carrier: q.carrier.unwrap_or_default(),
            reference: q.reference.unwrap_or_default(),
            remitted_on: q.remitted_on.unwrap_or_default(),
            lines,
        });
    }
    if is(headers, "application/json") {
        let extra: Vec<FieldError> = given
            .iter()
            .filter(|(_, there)| *there)
            .map(|(name, _)| {
                FieldError::new(
                    *name,
                    FieldCode::UnknownParameter,
                    "is given in the body with JSON",
                )
            })
            .collect();
        if !extra.is_empty() {
            return Err(ApiError::validation(extra));
        }
        return parse_json(body);
    }
    Err(ApiError::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE))
}

/// Uploads a carrier's remittance statement (admins): `text/csv` as the carrier exports it
/// (a header naming the columns `order_code` or `client_order_code`, `cod_amount`, and
/// optionally `fee`; the carrier's Vietnamese names are understood; other columns are
/// ignored), with `carrier`, `reference` and `remitted_on` in the query; or JSON. At most
/// 5000 lines.
///
/// Each line is matched to an order by the carrier's waybill or our order number, and settled
/// in the stall's ledger (`cod_remitted` for the cash, `carrier_fee` for the fees, payable
/// after the holding period), or held with its mismatch, nothing written: `unknown_order`,
/// `amount_mismatch`, `already_remitted`. All in one transaction. The same statement sent
/// again answers 200 with the one stored, and changes nothing.
#[utoipa::path(post, operation_id = "upload_cod_remittance", path = "/api/v1/admin/cod-remittances", tag = "admin", security(("bearer" = [])),
    params(UploadParams),
    request_body(content((StatementInput = "application/json"), (String = "text/csv")), description = "The statement: JSON, or CSV with its data in the query"),
    responses(
        (status = 201, description = "Stored and settled; `lines` says what became of each", body = RemittanceView),
        (status = 200, description = "The same statement was uploaded before: the one stored, nothing changed", body = RemittanceView),
        (status = 409, description = "`remittance_reference_taken`: another statement of the carrier has this reference", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`: neither CSV nor JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: the CSV's header or a line (`lines.3.cod_amount`), `carrier`, `reference`, `remitted_on` (not in the future), too many lines", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    Query(q): Query<UploadParams>,
    body: Bytes,
) -> ApiResult<(StatusCode, axum::Json<RemittanceView>)> {
    let actor = auth.user.actor();
    actor.require_admin()?;
    let input = statement(&headers, q, &body)?;
    let done = state
        .orders
        .upload_remittance(&state.db, &actor, input, &body)
        .await?;
    let status = if done.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, axum::Json(done.statement)))
}

super::paged_params! {
    /// `?carrier=&page=&per_page=`
    CarrierParams {
        /// One carrier's only (`ghn`).
        #[param(example = "ghn")]
        carrier: Option<String>,
    }
}

impl CarrierParams {
    /// The carrier asked for, checked.
    fn carrier(&self) -> ApiResult<Option<&str>> {
        match self.carrier.as_deref() {
            Some(c) if c.is_empty() || c.chars().count() > 32 => {
                Err(ApiError::validation(vec![FieldError::new(
                    "carrier",
                    FieldCode::LengthOutOfRange,
                    "must have 1 to 32 characters",
                )]))
            }
            other => Ok(other),
        }
    }
}

/// The remittance statements uploaded, newest first, without their lines (admins).
#[utoipa::path(get, operation_id = "list_cod_remittances", path = "/api/v1/admin/cod-remittances", tag = "admin", security(("bearer" = [])),
    params(CarrierParams),
    responses((status = 200, body = Page<RemittanceView>)))]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<CarrierParams>,
) -> ApiResult<axum::Json<Page<RemittanceView>>> {
    let (page, carrier, actor) = (q.page()?, q.carrier()?, auth.user.actor());
    let rows = state.orders.remittances(&state.db, &actor, carrier, page);
    Ok(axum::Json(rows.await?))
}

/// A remittance statement with its lines and what became of each (admins).
#[utoipa::path(get, operation_id = "get_cod_remittance", path = "/api/v1/admin/cod-remittances/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Statement id")),
    responses(
        (status = 200, body = RemittanceView),
        (status = 404, description = "No such statement", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<RemittanceView>> {
    let actor = auth.user.actor();
    actor.require_admin()?;
    let id = super::path_id(&id)?;
    let found = state.orders.remittance(&state.db, &actor, id);
    Ok(axum::Json(found.await?))
}

/// The delivered orders whose cash on delivery a carrier collected and has not remitted yet,
/// oldest delivery first, with the sum over them all (admins).
#[utoipa::path(get, operation_id = "list_cod_receivables", path = "/api/v1/admin/cod-receivables", tag = "admin", security(("bearer" = [])),
    params(CarrierParams),
    responses((status = 200, body = Receivables)))]
pub async fn receivables(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<CarrierParams>,
) -> ApiResult<axum::Json<Receivables>> {
    let (page, carrier, actor) = (q.page()?, q.carrier()?, auth.user.actor());
    let rows = state
        .orders
        .cod_receivables(&state.db, &actor, carrier, page);
    Ok(axum::Json(rows.await?))
}
