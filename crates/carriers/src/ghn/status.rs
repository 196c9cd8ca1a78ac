//! GHN's status names and what they are in the marketplace's words (the table is on
//! [`crate::ShipmentStatus`]). Source: GHN's public API documentation, "Order status"
//! (api.ghn.vn/home/docs/detail, the webhook and order-info pages).

use crate::{CarrierError, ShipmentStatus};

/// Our status for GHN's `name`; a name GHN has not documented is refused, never guessed.
pub fn normalise(name: &str) -> Result<ShipmentStatus, CarrierError> {
    use ShipmentStatus::*;
    Ok(match name {
        "ready_to_pick" | "picking" | "money_collect_picking" => Booked,
        "picked" => PickedUp,
        "storing" | "transporting" | "sorting" => InTransit,
        "delivering" | "money_collect_delivering" => Delivering,
        "delivery_fail" | "waiting_to_return" | "exception" => DeliveryFailed,
        "delivered" => Delivered,
        "return" | "return_transporting" | "return_sorting" | "returning" | "return_fail" => {
            Returning
        }
        "returned" => Returned,
        "cancel" => Cancelled,
        "lost" | "damage" => Lost,
        other => {
            return Err(CarrierError::UnknownStatus(
                other.chars().take(64).collect(),
            ));
        }
    })
}

/// Every status name GHN documents, in its order.
pub const DOCUMENTED: [&str; 22] = [
    "ready_to_pick",
    "picking",
    "money_collect_picking",
    "picked",
    "storing",
    "transporting",
    "sorting",
    "delivering",
    "money_collect_delivering",
    "delivered",
    "delivery_fail",
    "waiting_to_return",
    "return",
    "return_transporting",
    "return_sorting",
    "returning",
    "return_fail",
    "returned",
    "exception",
    "damage",
    "lost",
    "cancel",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_status_has_ours_and_an_unknown_one_is_refused() {
        for name in DOCUMENTED {
            assert!(normalise(name).is_ok(), "{name}");
        }
        assert_eq!(normalise("picked").ok(), Some(ShipmentStatus::PickedUp));
        assert_eq!(normalise("delivered").ok(), Some(ShipmentStatus::Delivered));
        assert_eq!(normalise("returned").ok(), Some(ShipmentStatus::Returned));
        assert_eq!(
            normalise("delivery_fail").ok(),
            Some(ShipmentStatus::DeliveryFailed)
        );
        assert!(matches!(
            normalise("teleported"),
            Err(CarrierError::UnknownStatus(_))
        ));
        // Every status of ours is reached by some GHN status.
        for ours in ShipmentStatus::ALL {
            assert!(
                DOCUMENTED.iter().any(|n| normalise(n).ok() == Some(ours)),
                "{ours}"
            );
        }
    }
}
