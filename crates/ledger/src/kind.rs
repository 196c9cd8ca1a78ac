//! The ledger's closed sets: what an entry is for, who holds an order's money, where a payout
//! is. The stored ones (entry kinds, payout statuses) are [`Stored`]: written and compared only
//! through their stored form, and read back with [`common::stored()`], so a row holding any
//! other text is an error, never a default.

use common::Stored;
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
    /// Cash the stall collected at the door itself (−): the stall holds it.
    CashCollected,
    /// Cash a carrier collected at the door (−): the carrier holds it for the stall until it
    /// remits it, so it is not payable yet.
    CodReceivable,
    /// The carrier's remittance of an order's cash arrived (+, the whole amount it collected):
    /// it undoes the `cod_receivable`, payable after the holding period.
    CodRemitted,
    /// The carrier's fees taken off its remittance (−): the stall's, as it is credited the
    /// delivery fee the buyer paid.
    CarrierFee,
    /// A discount the stall funds (its own voucher), on the goods or the delivery fee (−):
    /// it lowers the stall's revenue, and the commission and withholding bases with it.
    StallDiscount,
    /// A discount the platform funds (an administrator's voucher), on the goods or the
    /// delivery fee (−): what the buyer did not pay of the stall's price.
    PlatformDiscount,
    /// What the platform pays the stall for its own discount (+), beside each
    /// `platform_discount`: the stall's revenue is not lowered by it.
    PlatformFunding,
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

impl Stored for EntryKind {
    const WHAT: &'static str = "ledger entry kind";
    /// Every kind, in statement order.
    const ALL: &'static [Self] = &[
        Self::Sale,
        Self::Delivery,
        Self::CashCollected,
        Self::CodReceivable,
        Self::CodRemitted,
        Self::CarrierFee,
        Self::StallDiscount,
        Self::PlatformDiscount,
        Self::PlatformFunding,
        Self::Commission,
        Self::VatWithheld,
        Self::PitWithheld,
        Self::RefundReversal,
        Self::Payout,
        Self::PayoutReturned,
        Self::Adjustment,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Self::Sale => "sale",
            Self::Delivery => "delivery",
            Self::CashCollected => "cash_collected",
            Self::CodReceivable => "cod_receivable",
            Self::CodRemitted => "cod_remitted",
            Self::CarrierFee => "carrier_fee",
            Self::StallDiscount => "stall_discount",
            Self::PlatformDiscount => "platform_discount",
            Self::PlatformFunding => "platform_funding",
            Self::Commission => "commission",
            Self::VatWithheld => "vat_withheld",
            Self::PitWithheld => "pit_withheld",
            Self::RefundReversal => "refund_reversal",
            Self::Payout => "payout",
            Self::PayoutReturned => "payout_returned",
            Self::Adjustment => "adjustment",
        }
    }
}

/// Who funds a discount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Funder {
    /// The marketplace (an administrator's voucher): the stall's revenue stays whole.
    Platform,
    /// The stall (its owner's voucher): its revenue is lowered.
    Stall,
}

impl Stored for Funder {
    const WHAT: &'static str = "discount funder";
    const ALL: &'static [Self] = &[Self::Platform, Self::Stall];
    fn as_str(self) -> &'static str {
        match self {
            Self::Platform => "platform",
            Self::Stall => "stall",
        }
    }
}

/// Which part of an order a discount takes off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The goods.
    Goods,
    /// The delivery fee.
    Delivery,
}

/// Who received the buyer's money for an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// Paid online (card, bank transfer): the marketplace holds it and owes the stall.
    Marketplace,
    /// Cash on delivery collected by the stall itself (its own delivery): it holds the cash
    /// and owes the marketplace its commission and the tax withheld.
    Stall,
    /// Cash on delivery collected by a carrier booked through the marketplace: the carrier
    /// holds it (`cod_receivable`) until it remits it to the marketplace (`cod_remitted`,
    /// less its fees as `carrier_fee`); from then on it is like an online payment. Which
    /// carrier is the order's own (its shipment), named by the remittance statement.
    Carrier,
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

impl Stored for PayoutStatus {
    const WHAT: &'static str = "payout status";
    const ALL: &'static [Self] = &[Self::Pending, Self::Paid, Self::Returned];
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Returned => "returned",
        }
    }
}

#[cfg(test)]
mod tests {
    use common::{ErrorKind, stored};

    use super::*;

    #[test]
    fn kinds_round_trip_and_unknown_ones_are_errors() {
        for k in EntryKind::ALL {
            assert_eq!(stored::<EntryKind>(k.as_str()).unwrap(), *k);
        }
        for s in PayoutStatus::ALL {
            assert_eq!(stored::<PayoutStatus>(s.as_str()).unwrap(), *s);
        }
        for bad in ["bonus", "Sale", "sale ", ""] {
            let e = stored::<EntryKind>(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Internal, "{bad:?}");
        }
        for bad in ["lost", "Paid", ""] {
            let e = stored::<PayoutStatus>(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Internal, "{bad:?}");
        }
    }

    #[test]
    fn the_stored_forms_are_the_json_names() {
        // One name per member, on the wire as in the table.
        for k in EntryKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for s in PayoutStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
