//! `regions/provinces`, `regions/provinces/{code}/communes`, `regions/lookup`: the national map
//! behind buyers' addresses (34 provinces, 3 321 communes since July 2025).

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use catalog::{
    nation::{Nation, Province, Unit},
    region::ProvinceRef,
};
use common::FieldCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    error::{ApiError, ApiResult, Problem},
    extract::Query,
    state::AppState,
};

/// Most answers of a lookup.
const LOOKUP_LIMIT: usize = 20;
/// Longest lookup query, in characters.
const MAX_LOOKUP: usize = 100;

/// A commune found by a lookup, with its province.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommuneHit {
    /// Code.
    #[schema(example = "00070")]
    pub code: String,
    /// Name.
    #[schema(example = "Phường Hoàn Kiếm")]
    pub name: String,
    /// Its province.
    pub province: ProvinceRef,
}

/// `?q=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LookupParams {
    /// What the buyer has typed so far, with or without diacritics (1 to 100 characters).
    #[param(min_length = 1, max_length = 100, example = "hoan kiem")]
    pub q: String,
}

fn nation(_: &AppState) -> &'static Nation {
    Nation::builtin()
}

/// Every province and centrally-run city, in code order.
#[utoipa::path(get, operation_id = "list_provinces", path = "/api/v1/regions/provinces", tag = "catalog",
    responses((status = 200, description = "The 34 provinces and centrally-run cities", body = [Province])))]
pub async fn provinces(State(state): State<AppState>) -> axum::Json<Vec<Province>> {
    axum::Json(nation(&state).provinces().to_vec())
}

/// The communes, wards and special zones of one province.
#[utoipa::path(get, operation_id = "list_province_communes", path = "/api/v1/regions/provinces/{code}/communes", tag = "catalog",
    params(("code" = String, Path, description = "Province code", example = "44")),
    responses(
        (status = 200, description = "Its communes, in code order", body = [Unit]),
        (status = 404, description = "`not_found`: no such province", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn province_communes(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<Vec<Unit>>> {
    let communes = nation(&state)
        .communes_of(&code)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such province."))?;
    Ok(axum::Json(communes.into_iter().cloned().collect()))
}

/// Communes anywhere in the country whose name starts with, or has a word starting with,
/// what was typed (folded: `hoan kiem` finds Phường Hoàn Kiếm). At most 20, best first: for
/// address forms, on each keystroke. White space alone finds nothing (an empty list).
#[utoipa::path(get, operation_id = "lookup_communes", path = "/api/v1/regions/lookup", tag = "catalog",
    params(LookupParams),
    responses(
        (status = 200, description = "Matching communes with their provinces", body = [CommuneHit]),
        (status = 422, description = "`validation_failed`: `q` empty or too long", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn lookup(
    State(state): State<AppState>,
    Query(p): Query<LookupParams>,
) -> ApiResult<axum::Json<Vec<CommuneHit>>> {
    // Counted as sent, as the document bounds it; white space alone finds nothing.
    let chars = p.q.chars().count();
    if !(1..=MAX_LOOKUP).contains(&chars) {
        return Err(common::Error::invalid_field(
            "q",
            FieldCode::LengthOutOfRange,
            format!("must have 1 to {MAX_LOOKUP} characters"),
        )
        .into());
    }
    Ok(axum::Json(
        nation(&state)
            .lookup(&p.q, LOOKUP_LIMIT)
            .into_iter()
            .map(|(u, p)| CommuneHit {
                code: u.code.clone(),
                name: u.name.clone(),
                province: ProvinceRef {
                    code: p.code.clone(),
                    name: p.name.clone(),
                },
            })
            .collect(),
    ))
}
