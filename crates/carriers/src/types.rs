//! What the marketplace and a carrier exchange, in the marketplace's words: a stall's account
//! with the carrier, a parcel, a quote, a waybill request and its booking, the normalised
//! shipment statuses and the carrier's events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A carrier credential, never printed: `Debug` shows that it is set, not what it is.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The credential itself, to send to the carrier.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

/// A stall's account with a carrier: which carrier, the stall's shop there and the token the
/// carrier issued (the stall's own, or the platform's when the stall gave only a shop id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The carrier's id (`ghn`).
    pub carrier: String,
    /// The stall's shop at the carrier (GHN: `ShopId`, digits).
    pub shop_id: String,
    /// The credential sent with every call (GHN: `Token`).
    pub token: Token,
    /// The carrier's service type the stall ships with (GHN: 2 light goods, 5 heavy goods);
    /// `None`: the carrier's default for e-commerce parcels.
    pub service_type_id: Option<i32>,
}

/// A parcel's size: weight in grams, sides in centimetres.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parcel {
    /// Weight, grams.
    pub weight_grams: i64,
    /// Length, cm.
    pub length_cm: i64,
    /// Width, cm.
    pub width_cm: i64,
    /// Height, cm.
    pub height_cm: i64,
}

impl Parcel {
    /// A parcel of `weight_grams` packed in the marketplace's standard box (the sides a stall
    /// states nowhere yet): 20 × 15 × 10 cm.
    pub fn standard_box(weight_grams: i64) -> Self {
        Self {
            weight_grams,
            length_cm: 20,
            width_cm: 15,
            height_cm: 10,
        }
    }
}

/// What a quote is asked for: a parcel from a stall's commune to a buyer's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteRequest {
    /// The stall's commune (five-digit code of the national map).
    pub from_commune: String,
    /// The buyer's commune.
    pub to_commune: String,
    /// The parcel.
    pub parcel: Parcel,
    /// The declared value of the goods (đồng), which insures the parcel.
    pub insurance_value: i64,
}

/// A carrier's price and lead time for a parcel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// The delivery fee, đồng.
    pub fee: i64,
    /// Fewest days to delivery.
    pub min_days: u32,
    /// Most days to delivery.
    pub max_days: u32,
    /// The carrier's service the quote is for (GHN: `service_id`).
    pub service_id: String,
}

/// One end of a shipment: the stall that sends or the buyer who receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    /// Name on the label.
    pub name: String,
    /// Phone the courier calls.
    pub phone: String,
    /// Street and number (the line under the commune).
    pub address: String,
    /// Commune code of the national map.
    pub commune_code: String,
}

/// A line of the parcel's contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Product (and variant) name.
    pub name: String,
    /// How many.
    pub quantity: i64,
    /// Unit price, đồng.
    pub price: i64,
    /// Unit weight, grams.
    pub weight_grams: i64,
}

/// What the receiver may do before paying (GHN's `required_note`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Inspection {
    /// The buyer may look but not try (GHN `CHOXEMHANGKHONGTHU`): the marketplace's default.
    #[default]
    Look,
    /// The buyer may try the goods (GHN `CHOTHUHANG`).
    Try,
    /// The buyer may not open the parcel (GHN `KHONGCHOXEMHANG`).
    None,
}

/// A waybill to book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShipmentRequest {
    /// Our order's `number`, sent as the carrier's client order code: the key that makes
    /// booking idempotent.
    pub client_order_code: String,
    /// Cash the courier collects from the buyer (đồng); 0 when paid online.
    pub cod_amount: i64,
    /// Declared value of the goods (đồng).
    pub insurance_value: i64,
    /// The parcel.
    pub parcel: Parcel,
    /// The contents.
    pub items: Vec<Item>,
    /// The stall.
    pub sender: Party,
    /// The buyer.
    pub recipient: Party,
    /// A note to the courier.
    pub note: Option<String>,
    /// What the buyer may do before paying.
    pub inspection: Inspection,
    /// The service quoted (`Quote::service_id`); `None`: the account's service type.
    pub service_id: Option<String>,
}

/// A booked waybill.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    /// The carrier's tracking number (GHN: `order_code`).
    pub tracking_no: String,
    /// A link to the printable label, where the carrier gives a lasting one.
    pub label_url: Option<String>,
    /// The fee the carrier charges, đồng.
    pub fee: i64,
    /// When the carrier expects to deliver.
    pub expected_delivery: Option<DateTime<Utc>>,
}

/// A shipment's status in the marketplace's words, whatever the carrier.
///
/// GHN's statuses map as follows (`ghn::status::normalise`):
///
/// | ours | GHN |
/// |---|---|
/// | `booked` | `ready_to_pick`, `picking`, `money_collect_picking` |
/// | `picked_up` | `picked` |
/// | `in_transit` | `storing`, `transporting`, `sorting` |
/// | `delivering` | `delivering`, `money_collect_delivering` |
/// | `delivery_failed` | `delivery_fail`, `waiting_to_return`, `exception` |
/// | `delivered` | `delivered` |
/// | `returning` | `return`, `return_transporting`, `return_sorting`, `returning`, `return_fail` |
/// | `returned` | `returned` |
/// | `cancelled` | `cancel` |
/// | `lost` | `lost`, `damage` |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    /// The waybill exists; the courier has not taken the parcel yet.
    Booked,
    /// The courier took the parcel from the stall.
    PickedUp,
    /// Between hubs.
    InTransit,
    /// Out for delivery to the buyer.
    Delivering,
    /// A delivery attempt failed (nobody home, refused); the carrier may try again or return.
    DeliveryFailed,
    /// Handed to the buyer (and any cash collected).
    Delivered,
    /// On its way back to the stall.
    Returning,
    /// Back with the stall.
    Returned,
    /// The waybill was cancelled before pickup.
    Cancelled,
    /// Lost or destroyed in the carrier's hands.
    Lost,
}

impl ShipmentStatus {
    /// Every status, in the order a parcel normally moves through them.
    pub const ALL: [ShipmentStatus; 10] = [
        ShipmentStatus::Booked,
        ShipmentStatus::PickedUp,
        ShipmentStatus::InTransit,
        ShipmentStatus::Delivering,
        ShipmentStatus::DeliveryFailed,
        ShipmentStatus::Delivered,
        ShipmentStatus::Returning,
        ShipmentStatus::Returned,
        ShipmentStatus::Cancelled,
        ShipmentStatus::Lost,
    ];

    /// The stored and sent name (`in_transit`).
    pub fn as_str(self) -> &'static str {
        match self {
            ShipmentStatus::Booked => "booked",
            ShipmentStatus::PickedUp => "picked_up",
            ShipmentStatus::InTransit => "in_transit",
            ShipmentStatus::Delivering => "delivering",
            ShipmentStatus::DeliveryFailed => "delivery_failed",
            ShipmentStatus::Delivered => "delivered",
            ShipmentStatus::Returning => "returning",
            ShipmentStatus::Returned => "returned",
            ShipmentStatus::Cancelled => "cancelled",
            ShipmentStatus::Lost => "lost",
        }
    }

    /// The status named `name`; `None` for a name it does not know (corrupt data, never a
    /// default).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether nothing follows: delivered, returned, cancelled or lost.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ShipmentStatus::Delivered
                | ShipmentStatus::Returned
                | ShipmentStatus::Cancelled
                | ShipmentStatus::Lost
        )
    }
}

impl std::fmt::Display for ShipmentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step of a shipment as the carrier reported it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierEvent {
    /// Our status.
    pub status: ShipmentStatus,
    /// The carrier's own status name (`delivery_fail`).
    pub carrier_status: String,
    /// When it happened, by the carrier's clock: apply events in this order.
    pub at: DateTime<Utc>,
    /// The carrier's reason or description, when it gives one (a failed attempt's cause).
    pub reason: Option<String>,
}

/// A shipment as the carrier knows it now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentState {
    /// The carrier's tracking number.
    pub tracking_no: String,
    /// Our order number, as sent with the booking.
    pub client_order_code: Option<String>,
    /// Our status now.
    pub status: ShipmentStatus,
    /// The carrier's status now.
    pub carrier_status: String,
    /// Cash to collect, đồng.
    pub cod_amount: i64,
    /// The carrier's events, oldest first.
    pub events: Vec<CarrierEvent>,
}

/// A status callback the carrier sent, verified and read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackEvent {
    /// The carrier's id (`ghn`).
    pub carrier: String,
    /// The carrier's tracking number.
    pub tracking_no: String,
    /// Our order number, when the carrier repeats it.
    pub client_order_code: Option<String>,
    /// The shop at the carrier the waybill belongs to.
    pub shop_id: Option<String>,
    /// The carrier's kind of callback (GHN: `create`, `switch_status`, `update_weight`,
    /// `update_cod`, `update_fee`).
    pub kind: String,
    /// The step reported.
    pub event: CarrierEvent,
    /// Cash to collect as the carrier now has it, đồng.
    pub cod_amount: Option<i64>,
    /// The carrier's total fee as it now has it, đồng.
    pub total_fee: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in ShipmentStatus::ALL {
            assert_eq!(ShipmentStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::json!(s.as_str()))
            );
        }
        assert_eq!(ShipmentStatus::parse("shipped"), None);
    }

    #[test]
    fn a_token_is_never_printed() {
        let t = Token::new("abc-secret");
        assert!(!format!("{t:?}").contains("abc-secret"));
        assert_eq!(t.expose(), "abc-secret");
    }
}
