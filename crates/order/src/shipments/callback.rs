//! A carrier's status callback: verified by the carrier's adapter (a forged one changes
//! nothing), matched to its parcel by the waybill (or by our order number while the waybill
//! is not yet recorded), and applied through the one path of carrier events.
//!
//! What the carrier hears back: 2xx for everything it need not send again (applied, late,
//! a duplicate, a waybill we do not know: sending it again would not make it known), and a
//! 409 `shipment_booking` while the parcel's booking is still being recorded, so the carrier
//! sends it again shortly, when it will be.

use chrono::Utc;
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};
use serde::Serialize;

use super::track::{self, Applied, Source};
use crate::parcels::{ShipmentStatus, rows};
use crate::{OrderError, Orders, error::Result, types::stored};

/// What a callback did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallbackOutcome {
    /// It moved the parcel (and the order, if it said delivered or returned).
    Applied,
    /// Older than the last event applied: kept in the parcel's history, nothing moved.
    Late,
    /// Heard before: nothing changed.
    Duplicate,
    /// No parcel of ours has that waybill: ignored.
    UnknownShipment,
    /// The waybill was made for an order cancelled while its booking was unanswered: the
    /// waybill was cancelled with the carrier.
    WaybillCancelled,
}

impl From<Applied> for CallbackOutcome {
    fn from(a: Applied) -> Self {
        match a {
            Applied::Moved => Self::Applied,
            Applied::Late => Self::Late,
            Applied::Duplicate => Self::Duplicate,
        }
    }
}

impl Orders {
    /// Receives `carrier`'s callback as it arrived (the URL's query string, headers and raw
    /// body). A carrier this marketplace has not set up is "not found"; one the adapter does
    /// not verify is refused (`callback_not_verified`) and changes nothing.
    pub async fn carrier_callback<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        carrier: &str,
        query: Option<&str>,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<CallbackOutcome> {
        let client = self
            .desk
            .carrier(carrier)
            .ok_or(OrderError::NotFound("Carrier"))?;
        let cb = client
            .parse_callback(query, headers, body)
            .map_err(common::Error::from)?;
        let now = Utc::now();
        let txn = common::begin_write(db).await?;
        let found = rows::locked_by_waybill(
            &txn,
            client.id(),
            &cb.tracking_no,
            cb.client_order_code.as_deref(),
        )
        .await?;
        let Some(s) = found else {
            tracing::info!(carrier, tracking_no = %cb.tracking_no, "a callback for a waybill we do not know");
            return Ok(CallbackOutcome::UnknownShipment);
        };
        let status = stored::<ShipmentStatus>(&s.status)?;
        if status == ShipmentStatus::Booking {
            return Err(rows::booking_in_progress());
        }
        if s.tracking_no.is_none() {
            // A booking withdrawn with its order, whose waybill the carrier made anyway.
            rows::adopt_waybill(&txn, s.id, &cb.tracking_no, now).await?;
            track::apply(&txn, &self.ledger, &s, &cb.event, Source::Callback, now).await?;
            txn.commit().await?;
            let (client, account) = self.desk.account_for(db, s.stall_id, carrier).await?;
            client
                .cancel(&account, &cb.tracking_no)
                .await
                .map_err(common::Error::from)?;
            return Ok(CallbackOutcome::WaybillCancelled);
        }
        let (applied, after) =
            track::apply(&txn, &self.ledger, &s, &cb.event, Source::Callback, now).await?;
        txn.commit().await?;
        if let Some(order_id) = after.refund_order {
            self.refunder.send_now(db, order_id).await?;
        }
        Ok(applied.into())
    }
}
