//! Parcels booked with an integrated carrier, as the order crate keeps them: their status
//! ([`ShipmentStatus`], `booking` then the carrier's statuses as normalised), how orders show
//! them ([`ShipmentView`]), the carriers and the stalls' accounts with them ([`Desk`]), and the
//! transaction-level steps on their rows ([`rows`]) that the order moves, the views and the
//! shipment use cases share.

pub(crate) mod rows;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::types::Stored;

/// Where a parcel booked with a carrier is, in the marketplace's words: `booking` while the
/// carrier has not answered the booking yet, then the carrier's statuses as normalised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    /// Reserved: the carrier is being asked for the waybill (or its answer was lost: the
    /// same `ship` request takes it up again).
    Booking,
    /// The waybill exists; the courier has not taken the parcel yet.
    Booked,
    /// The courier took the parcel from the stall.
    PickedUp,
    /// Between the carrier's hubs.
    InTransit,
    /// Out for delivery.
    Delivering,
    /// An attempt failed; the carrier tries again or brings it back.
    DeliveryFailed,
    /// Handed to the buyer.
    Delivered,
    /// On its way back to the stall.
    Returning,
    /// Back with the stall.
    Returned,
    /// The waybill was cancelled.
    Cancelled,
    /// Lost or destroyed in the carrier's hands.
    Lost,
}

impl Stored for ShipmentStatus {
    const WHAT: &'static str = "shipment status";
    const ALL: &'static [Self] = &[
        Self::Booking,
        Self::Booked,
        Self::PickedUp,
        Self::InTransit,
        Self::Delivering,
        Self::DeliveryFailed,
        Self::Delivered,
        Self::Returning,
        Self::Returned,
        Self::Cancelled,
        Self::Lost,
    ];
    fn as_str(self) -> &'static str {
        match self {
            Self::Booking => "booking",
            Self::Booked => "booked",
            Self::PickedUp => "picked_up",
            Self::InTransit => "in_transit",
            Self::Delivering => "delivering",
            Self::DeliveryFailed => "delivery_failed",
            Self::Delivered => "delivered",
            Self::Returning => "returning",
            Self::Returned => "returned",
            Self::Cancelled => "cancelled",
            Self::Lost => "lost",
        }
    }
}

impl From<carriers::ShipmentStatus> for ShipmentStatus {
    fn from(s: carriers::ShipmentStatus) -> Self {
        use carriers::ShipmentStatus as C;
        match s {
            C::Booked => Self::Booked,
            C::PickedUp => Self::PickedUp,
            C::InTransit => Self::InTransit,
            C::Delivering => Self::Delivering,
            C::DeliveryFailed => Self::DeliveryFailed,
            C::Delivered => Self::Delivered,
            C::Returning => Self::Returning,
            C::Returned => Self::Returned,
            C::Cancelled => Self::Cancelled,
            C::Lost => Self::Lost,
        }
    }
}

impl ShipmentStatus {
    /// Whether nothing follows (delivered, returned, cancelled, lost): no event moves it any
    /// more, and the poll leaves it alone.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Delivered | Self::Returned | Self::Cancelled | Self::Lost
        )
    }

    /// Its place in a parcel's usual course, to order two events the carrier dated alike.
    pub(crate) fn rank(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// One step of a parcel, as the carrier reported it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipmentEventView {
    /// The status it reported.
    pub status: ShipmentStatus,
    /// When, by the carrier's clock.
    pub at: DateTime<Utc>,
    /// The carrier's reason or description (a failed attempt's cause), if any.
    #[cfg_attr(feature = "openapi", schema(example = "Người nhận hẹn giao lại"))]
    pub note: Option<String>,
}

/// A parcel booked with an integrated carrier, on its order.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipmentView {
    /// The carrier (`ghn`).
    pub carrier: String,
    /// The carrier's service, when one was chosen.
    #[cfg_attr(feature = "openapi", schema(example = "53320"))]
    pub service: Option<String>,
    /// The waybill; null while the booking waits for the carrier's answer.
    pub tracking_no: Option<String>,
    /// Where the parcel is.
    pub status: ShipmentStatus,
    /// The printable label, where the carrier gives one.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "https://online-gateway.ghn.vn/a5/public-api/printA5?token=abc")
    )]
    pub label_url: Option<String>,
    /// Cash the courier collects from the buyer, in đồng (0: paid online).
    #[cfg_attr(feature = "openapi", schema(example = 486000))]
    pub cod_amount: i64,
    /// The carrier's events, oldest first (late ones included).
    pub events: Vec<ShipmentEventView>,
}

/// The ids of the carriers the marketplace integrates.
pub(crate) const INTEGRATED: &[&str] = &["ghn"];

/// The carriers set up and the stalls' accounts with them (`carriers::StallCarriers`): what
/// booking and following parcels needs.
#[derive(Clone, Debug)]
pub struct Desk {
    stalls: carriers::StallCarriers,
    /// A parcel not heard of for this long is asked after.
    pub(crate) poll_after: chrono::Duration,
}

impl Desk {
    /// The stalls' carriers `stalls`; parcels not heard of for `poll_after` are asked after
    /// by the poll.
    pub fn new(stalls: carriers::StallCarriers, poll_after: std::time::Duration) -> Self {
        Self {
            stalls,
            poll_after: chrono::Duration::from_std(poll_after)
                .unwrap_or(chrono::Duration::minutes(60)),
        }
    }

    /// No carrier set up: every stall delivers itself.
    pub(crate) fn none(catalog: catalog::Catalog) -> Self {
        Self::new(
            carriers::StallCarriers::new(catalog, carriers::Carriers::none()),
            std::time::Duration::from_secs(3600),
        )
    }

    /// The carrier `id` set up in this deployment.
    pub(crate) fn carrier(&self, id: &str) -> Option<Arc<dyn carriers::Carrier>> {
        self.stalls.carriers().get(id)
    }

    /// The carrier `id` and the stall's account with it, or why not: the stall has no
    /// account with it, or this deployment has not set it up (409 `carrier_not_configured`,
    /// naming it).
    pub(crate) async fn account_for<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        stall_id: Uuid,
        id: &str,
    ) -> crate::error::Result<(Arc<dyn carriers::Carrier>, carriers::Account)> {
        let not_configured = || {
            let mut e = common::Error::conflict(
                "carrier_not_configured",
                format!(
                    "This stall has no account with the carrier {id}; set one up first, or ship with carrier \"self\"."
                ),
            );
            e.details = Some(serde_json::json!({ "carrier": id }));
            crate::OrderError::from(e)
        };
        if self.carrier(id).is_none() {
            return Err(not_configured());
        }
        match self.stalls.account_for(db, stall_id).await {
            Ok(Some(found)) if found.carrier.id() == id => Ok((found.carrier, found.account)),
            Ok(_) => Err(not_configured()),
            Err(e) if e.code == "carrier_not_configured" => Err(not_configured()),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether `name` is the id of an integrated carrier (one the marketplace speaks to,
    /// whether or not this deployment set it up: naming one that is not set up is refused,
    /// not taken for a carrier's name typed by hand).
    pub(crate) fn integrated(&self, name: &str) -> bool {
        INTEGRATED.contains(&name) || self.carrier(name).is_some()
    }
}
