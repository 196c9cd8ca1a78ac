//! `carriers/{carrier}/webhook`, where an integrated carrier reports what happened to the
//! parcels the stalls booked with it.

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::HeaderMap,
};
use order::shipments::CallbackOutcome;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult, Problem},
    state::AppState,
};

/// What the webhook did with a callback.
#[derive(Debug, Serialize, ToSchema)]
pub struct CarrierAck {
    /// Always true: the carrier stops resending once it sees a 2xx.
    pub received: bool,
    /// What it did: `applied`, `late` (older than the last event applied: kept in the
    /// parcel's history, nothing moved), `duplicate`, `unknown_shipment` (ignored: sending it
    /// again would not make the waybill known) or `waybill_cancelled`.
    pub outcome: CallbackOutcome,
}

/// Receives a carrier's status callback for a parcel (GHN: its order status JSON, with the
/// deployment's callback secret in the URL's query, as set up with the carrier). Verified by
/// the carrier's adapter; applied once however often it arrives, and in the carrier's order:
/// an event older than the last applied is kept in the parcel's history and moves nothing.
/// `picked_up`, `in_transit` and `delivering` move the parcel only; `delivered` makes the
/// order delivered (with its ledger entries: the carrier holds cash on delivery until it
/// remits it); `delivery_failed` tells the buyer; `returned` makes the order `returned` (its
/// stock back, an online payment owed back to the buyer, buyer and stall told); `cancelled`
/// is recorded.
#[utoipa::path(post, operation_id = "carrier_webhook", path = "/api/v1/carriers/{carrier}/webhook", tag = "orders",
    params(("carrier" = String, Path, description = "The carrier's id", example = "ghn")),
    request_body(content = serde_json::Value, description = "The carrier's callback, as it sends it", content_type = "application/json"),
    responses(
        (status = 200, body = CarrierAck),
        (status = 400, description = "`carrier_message_malformed`, `carrier_status_unknown`: verified, but not a callback the marketplace reads; nothing changed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`callback_not_verified`: missing or forged; nothing changed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No carrier of that id is set up", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`shipment_booking`: the parcel's booking is still being recorded; send it again shortly", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn carrier_webhook(
    State(state): State<AppState>,
    Path(carrier): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<axum::Json<CarrierAck>> {
    if carrier.len() > 32 {
        return Err(ApiError::from(common::Error::not_found("Carrier")));
    }
    let outcome = state
        .orders
        .carrier_callback(&state.db, &carrier, query.as_deref(), &headers, &body)
        .await?;
    tracing::info!(carrier, ?outcome, "carrier callback");
    Ok(axum::Json(CarrierAck {
        received: true,
        outcome,
    }))
}
