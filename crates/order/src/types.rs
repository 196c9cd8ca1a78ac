//! The order side's closed sets, each an enum with the one stored form it is written as: the
//! checkout's status, the refund's status and the payment method.
//! A stored value that is none of them is an error ([`stored`]), never a default. The trait is
//! the workspace's one [`common::Stored`], re-exported here.

use serde::{Deserialize, Serialize};

use crate::{OrderError, error::Result};

pub use common::Stored;

/// Reads a stored value; anything else in the row is corrupt data, reported as such.
pub fn stored<T: Stored>(s: &str) -> Result<T> {
    common::stored::read(s).map_err(|c| OrderError::Corrupt(c.to_string()))
}

/// Where a checkout's money stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CheckoutStatus {
    /// Nothing to collect up front (cash on delivery): done at checkout.
    Completed,
    /// Waiting for the buyer's payment.
    AwaitingPayment,
    /// Paid.
    Paid,
    /// The payment failed or could not start; its orders were cancelled.
    Failed,
    /// Not paid in time; its orders were cancelled.
    Expired,
    /// Every order was cancelled before it was paid: nothing is to be paid any more, and a
    /// transfer that arrives for it is owed back in full.
    Cancelled,
}

impl Stored for CheckoutStatus {
    const WHAT: &'static str = "checkout status";
    const ALL: &'static [Self] = &[
        Self::Completed,
        Self::AwaitingPayment,
        Self::Paid,
        Self::Failed,
        Self::Expired,
        Self::Cancelled,
    ];
    fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::AwaitingPayment => "awaiting_payment",
            Self::Paid => "paid",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
        }
    }
}

/// Where a refund is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Owed: not yet accepted by the provider (it is retried until it is).
    Queued,
    /// The provider accepted it.
    Sent,
    /// The provider accepted it, then reported that it failed (the card was closed, say): it
    /// needs a person to pay the buyer back another way.
    Failed,
    /// Owed back by bank transfer: a person sends it and records the bank's reference.
    Manual,
}

impl Stored for RefundStatus {
    const WHAT: &'static str = "refund status";
    const ALL: &'static [Self] = &[Self::Queued, Self::Sent, Self::Failed, Self::Manual];
    fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Manual => "manual",
        }
    }
}

/// How a buyer pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Cash on delivery: orders start `placed` and are paid when delivered.
    Cod,
    /// Card through Stripe: orders start `pending_payment`.
    Card,
    /// Bank transfer by VietQR: orders start `pending_payment` until the bank reports it.
    BankTransfer,
}

impl Stored for PaymentMethod {
    const WHAT: &'static str = "payment method";
    const ALL: &'static [Self] = &[Self::Cod, Self::Card, Self::BankTransfer];
    fn as_str(self) -> &'static str {
        match self {
            Self::Cod => "cod",
            Self::Card => "card",
            Self::BankTransfer => "bank_transfer",
        }
    }
}

/// What a bank's credit notification came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// Its reference named a checkout; the money went to it.
    Matched,
    /// No reference found: waiting for an administrator.
    Unmatched,
    /// Sent back to the payer by hand.
    Returned,
}

impl Stored for TransferStatus {
    const WHAT: &'static str = "bank transfer status";
    const ALL: &'static [Self] = &[Self::Matched, Self::Unmatched, Self::Returned];
    fn as_str(self) -> &'static str {
        match self {
            Self::Matched => "matched",
            Self::Unmatched => "unmatched",
            Self::Returned => "returned",
        }
    }
}

/// What a notification did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferOutcome {
    /// It paid its checkout exactly.
    Exact,
    /// Less than what is due: recorded; the checkout waits for the rest.
    Partial,
    /// More than was due: the checkout is paid and the excess is owed back.
    Excess,
    /// For a checkout already paid, expired or cancelled, or whose orders were all cancelled:
    /// all of it is owed back.
    Late,
    /// No checkout's reference in it: waiting for an administrator.
    Unmatched,
    /// This transaction was reported before; nothing happened.
    Duplicate,
}

impl Stored for TransferOutcome {
    const WHAT: &'static str = "bank transfer outcome";
    const ALL: &'static [Self] = &[
        Self::Exact,
        Self::Partial,
        Self::Excess,
        Self::Late,
        Self::Unmatched,
        Self::Duplicate,
    ];
    fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Partial => "partial",
            Self::Excess => "excess",
            Self::Late => "late",
            Self::Unmatched => "unmatched",
            Self::Duplicate => "duplicate",
        }
    }
}

/// Who pays a refund back (the providers' names, as `provider::*::NAME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefundProvider {
    /// Stripe, sent by the refund worker.
    Stripe,
    /// A bank transfer made by hand.
    Vietqr,
    /// Cash on delivery, paid back by hand by bank transfer to the account the buyer gave.
    Cod,
}

impl Stored for RefundProvider {
    const WHAT: &'static str = "refund provider";
    const ALL: &'static [Self] = &[Self::Stripe, Self::Vietqr, Self::Cod];
    fn as_str(self) -> &'static str {
        match self {
            Self::Stripe => "stripe",
            Self::Vietqr => "vietqr",
            Self::Cod => "cod",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::OrderStatus;

    fn round_trips<T: Stored + PartialEq + std::fmt::Debug>() {
        for v in T::ALL {
            assert_eq!(stored::<T>(v.as_str()).unwrap(), *v);
        }
    }

    #[test]
    fn every_stored_form_reads_back() {
        round_trips::<CheckoutStatus>();
        round_trips::<RefundStatus>();
        round_trips::<PaymentMethod>();
        round_trips::<TransferStatus>();
        round_trips::<TransferOutcome>();
        round_trips::<OrderStatus>();
    }

    #[test]
    fn a_corrupt_value_is_an_error_not_a_default() {
        for bad in ["", "Placed", "placed ", "awaiting", "paid\u{0}"] {
            let e = stored::<OrderStatus>(bad).unwrap_err();
            assert!(matches!(e, OrderError::Corrupt(_)), "{bad:?}");
            assert_eq!(e.kind(), common::ErrorKind::Internal);
            assert!(stored::<CheckoutStatus>(bad).is_err());
            assert!(stored::<RefundStatus>(bad).is_err());
            assert!(stored::<PaymentMethod>(bad).is_err());
        }
    }
}
