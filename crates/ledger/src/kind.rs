//! What an entry is for, and who holds an order's money.

use serde::{Deserialize, Serialize};

/// The kind of a ledger entry. Amounts are signed: + owed to the stall, − owed by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// The goods of a delivered order (+).
    Sale,
    /// The delivery fee of a delivered order, which the stall delivers (+).
    Delivery,
    /// Cash the stall (or its carrier) collected at the door (−): the stall holds it.
    CashCollected,
    /// The marketplace's commission (−).
    Commission,
    /// VAT withheld under Decree 117 (−).
    VatWithheld,
    /// Personal income tax withheld under Decree 117 (−).
    PitWithheld,
    /// A refund after delivery undoes one entry of the order (the opposite amount).
    RefundReversal,
    /// Money paid out to the stall's bank account (−).
    Payout,
    /// A payout the bank sent back (+).
    PayoutReturned,
    /// An administrator's correction, with a reason (±).
    Adjustment,
}

impl EntryKind {
    /// Every kind, in statement order.
    pub const ALL: [Self; 10] = [
        Self::Sale,
        Self::Delivery,
        Self::CashCollected,
        Self::Commission,
        Self::VatWithheld,
        Self::PitWithheld,
        Self::RefundReversal,
        Self::Payout,
        Self::PayoutReturned,
        Self::Adjustment,
    ];

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sale => "sale",
            Self::Delivery => "delivery",
            Self::CashCollected => "cash_collected",
            Self::Commission => "commission",
            Self::VatWithheld => "vat_withheld",
            Self::PitWithheld => "pit_withheld",
            Self::RefundReversal => "refund_reversal",
            Self::Payout => "payout",
            Self::PayoutReturned => "payout_returned",
            Self::Adjustment => "adjustment",
        }
    }

    /// Reads a stored kind; an unknown one is corrupt data, never a default.
    pub fn parse(s: &str) -> common::Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| common::Error::internal(format!("corrupt ledger entry kind {s:?}")))
    }
}

/// Who received the buyer's money for an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// Paid online (card, bank transfer): the marketplace holds it and owes the stall.
    Marketplace,
    /// Cash on delivery: the stall or its carrier collected it and owes the marketplace its
    /// commission and the tax withheld.
    Stall,
}

/// Where a payout is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PayoutStatus {
    /// Made, waiting for the administrator to send it and record the bank's reference.
    Pending,
    /// Sent; the bank's reference is recorded.
    Paid,
    /// The bank sent it back; the amount is back in the balance.
    Returned,
}

impl PayoutStatus {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Returned => "returned",
        }
    }

    /// Reads a stored status; an unknown one is corrupt data.
    pub fn parse(s: &str) -> common::Result<Self> {
        [Self::Pending, Self::Paid, Self::Returned]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| common::Error::internal(format!("corrupt payout status {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_unknown_ones_are_errors() {
        for k in EntryKind::ALL {
            assert_eq!(EntryKind::parse(k.as_str()).unwrap(), k);
        }
        assert!(EntryKind::parse("bonus").is_err());
        assert!(PayoutStatus::parse("lost").is_err());
        assert_eq!(PayoutStatus::parse("paid").unwrap(), PayoutStatus::Paid);
    }
}
