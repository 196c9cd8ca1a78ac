//! The order state machine: `pending_payment → placed → confirmed → shipped → delivered`,
//! `cancelled` from any state before `shipped`, and `returned` from `shipped` (the carrier
//! brought the parcel back to the stall). Who may make each move is decided here too: a
//! carrier's events are the system's moves (delivered, returned).

use serde::{Deserialize, Serialize};

use crate::types::Stored;

/// Where an order is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Waiting for a card payment.
    PendingPayment,
    /// Paid, or cash on delivery: the stall can act on it.
    Placed,
    /// The stall accepted it.
    Confirmed,
    /// On its way.
    Shipped,
    /// Handed over.
    Delivered,
    /// Cancelled; its stock went back.
    Cancelled,
    /// The carrier could not deliver it and brought it back to the stall; its stock went
    /// back, and money paid online is owed back to the buyer.
    Returned,
}

/// Who is asking for a move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// The buyer who placed the order.
    Buyer,
    /// A member of the stall the order is for.
    Stall,
    /// An administrator.
    Admin,
    /// The payment provider (a webhook) or a background sweep.
    System,
}

/// A requested move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    /// Payment arrived.
    Pay,
    /// The stall accepts the order.
    Confirm,
    /// The stall ships it.
    Ship,
    /// It was handed over.
    Deliver,
    /// The buyer or an admin cancels it.
    Cancel,
    /// The stall refuses it.
    Reject,
    /// The carrier brought it back to the stall.
    Return,
}

impl Stored for OrderStatus {
    const WHAT: &'static str = "order status";
    const ALL: &'static [Self] = &[
        Self::PendingPayment,
        Self::Placed,
        Self::Confirmed,
        Self::Shipped,
        Self::Delivered,
        Self::Cancelled,
        Self::Returned,
    ];
    fn as_str(self) -> &'static str {
        match self {
            Self::PendingPayment => "pending_payment",
            Self::Placed => "placed",
            Self::Confirmed => "confirmed",
            Self::Shipped => "shipped",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
            Self::Returned => "returned",
        }
    }
}

impl Move {
    /// The move in words, for "cannot be …" messages.
    pub fn past_tense(self) -> &'static str {
        match self {
            Move::Pay => "paid",
            Move::Confirm => "confirmed",
            Move::Ship => "shipped",
            Move::Deliver => "delivered",
            Move::Cancel => "cancelled",
            Move::Reject => "rejected",
            Move::Return => "returned",
        }
    }
}

impl OrderStatus {
    /// The status after `m` by `who`, or `None` when that move is not allowed from here.
    pub fn apply(self, m: Move, who: Party) -> Option<OrderStatus> {
        use Move as M;
        use OrderStatus as S;
        use Party as P;
        match (self, m, who) {
            (S::PendingPayment, M::Pay, P::System) => Some(S::Placed),
            (S::Placed, M::Confirm, P::Stall) => Some(S::Confirmed),
            (S::Confirmed, M::Ship, P::Stall) => Some(S::Shipped),
            (S::Shipped, M::Deliver, P::Stall) => Some(S::Delivered),
            // A carrier's events, applied by the system: handed over, or brought back.
            (S::Shipped, M::Deliver, P::System) => Some(S::Delivered),
            (S::Shipped, M::Return, P::System) => Some(S::Returned),
            // The buyer may change their mind until the stall has confirmed.
            (S::PendingPayment | S::Placed, M::Cancel, P::Buyer) => Some(S::Cancelled),
            // The stall may refuse until it ships.
            (S::PendingPayment | S::Placed | S::Confirmed, M::Reject, P::Stall) => {
                Some(S::Cancelled)
            }
            // Admins, and payment failure or expiry, cancel anything not yet shipped.
            (S::PendingPayment | S::Placed | S::Confirmed, M::Cancel, P::Admin | P::System) => {
                Some(S::Cancelled)
            }
            _ => None,
        }
    }
}

/// A move that the state machine allowed, with what to record.
pub(crate) struct Change {
    /// The move.
    pub m: Move,
    /// The status it leaves.
    pub from: OrderStatus,
    /// The status it reaches.
    pub to: OrderStatus,
    /// Who made it; `None` for the system (a payment event, a sweep).
    pub actor_id: Option<uuid::Uuid>,
    /// Why, when given.
    pub reason: Option<String>,
    /// The carrier's tracking number, on shipping.
    pub tracking: Option<String>,
    /// The carrier, on shipping.
    pub carrier: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::{Move as M, OrderStatus as S, Party as P};
    use crate::types::Stored;

    #[test]
    fn the_documented_paths_and_no_others() {
        let all_s = [
            S::PendingPayment,
            S::Placed,
            S::Confirmed,
            S::Shipped,
            S::Delivered,
            S::Cancelled,
            S::Returned,
        ];
        let all_m = [
            M::Pay,
            M::Confirm,
            M::Ship,
            M::Deliver,
            M::Cancel,
            M::Reject,
            M::Return,
        ];
        let all_p = [P::Buyer, P::Stall, P::Admin, P::System];
        let mut allowed = 0;
        for s in all_s {
            for m in all_m {
                for p in all_p {
                    if let Some(to) = s.apply(m, p) {
                        allowed += 1;
                        // Nothing leaves a delivered, cancelled or returned order.
                        assert!(
                            !matches!(s, S::Delivered | S::Cancelled | S::Returned),
                            "{s:?} {m:?} {p:?} -> {to:?}"
                        );
                        if to == S::Cancelled {
                            assert_ne!(s, S::Shipped, "a shipped order cannot be cancelled");
                        }
                    }
                }
            }
        }
        // pay, confirm, ship, deliver (stall and system); buyer cancel ×2; stall reject ×3;
        // admin and system cancel ×3 each; the system's return.
        assert_eq!(allowed, 17);
        assert_eq!(S::Shipped.apply(M::Return, P::System), Some(S::Returned));
        assert_eq!(
            S::Shipped.apply(M::Return, P::Stall),
            None,
            "only the carrier brings a parcel back"
        );
        assert_eq!(S::Confirmed.apply(M::Return, P::System), None);
        assert_eq!(S::Placed.apply(M::Cancel, P::Buyer), Some(S::Cancelled));
        assert_eq!(
            S::Confirmed.apply(M::Cancel, P::Buyer),
            None,
            "too late for the buyer"
        );
        assert_eq!(S::Confirmed.apply(M::Cancel, P::Admin), Some(S::Cancelled));
        assert_eq!(S::Shipped.apply(M::Cancel, P::Admin), None);
        assert_eq!(S::Placed.apply(M::Confirm, P::Buyer), None);
        assert_eq!(
            S::PendingPayment.apply(M::Confirm, P::Stall),
            None,
            "unpaid"
        );
        for s in all_s {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
    }
}
