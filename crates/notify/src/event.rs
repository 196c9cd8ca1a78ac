//! The events people hear about, who hears them, and the facts each one's text may use.

use common::Stored;
use serde::{Deserialize, Serialize};

/// Something that happened that somebody must hear about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Vendor: an order to act on (cash on delivery, at checkout).
    NewOrder,
    /// Vendor: a buyer paid an order online; it is ready to confirm. Buyer: the money for
    /// the checkout's orders arrived (a card payment, a bank transfer), in the buyer's own
    /// texts.
    PaymentReceived,
    /// Vendor: the buyer cancelled an order.
    OrderCancelledByBuyer,
    /// Vendor: a delivered order was refunded; its earnings are reversed.
    RefundNeeded,
    /// Vendor: the province approved the stall.
    StallApproved,
    /// Vendor: the province rejected the stall's application, with why.
    StallRejected,
    /// Vendor: the province suspended the stall, with why.
    StallSuspended,
    /// Vendor: the stall sells again.
    StallReinstated,
    /// Vendor: a product's OCOP claim was verified.
    OcopVerified,
    /// Vendor: a product's OCOP claim was rejected, with why.
    OcopRejected,
    /// Vendor: an administrator took a product down on a report, with why; the stall may fix
    /// it and ask for a review.
    ProductTakenDown,
    /// Vendor: an administrator took the stall down on a report, with why; the stall may ask
    /// for a review.
    StallTakenDown,
    /// Vendor: a product taken down is shown again after a review.
    ProductRestored,
    /// Vendor: a review of a takedown was refused, with why; the takedown stays.
    TakedownUpheld,
    /// Buyer: the checkout placed its orders (their numbers, the total, and for a bank
    /// transfer the amount, reference and deadline of the transfer).
    OrderPlaced,
    /// Buyer: the stall confirmed the order.
    OrderConfirmed,
    /// Buyer: the order is on its way, with the tracking number.
    OrderShipped,
    /// Buyer: the order was handed over.
    OrderDelivered,
    /// Buyer: the order was cancelled or refused, with why.
    OrderCancelled,
    /// Buyer: the carrier could not hand the parcel over this time, with its note.
    DeliveryFailed,
    /// Buyer: the carrier brought the parcel back to the stall; money paid online goes back.
    OrderReturned,
    /// Vendor: the carrier brought an order's parcel back; its stock is back on sale.
    OrderReturnedToStall,
    /// Buyer: money went back.
    RefundSent,
    /// Account: a password reset link (always by email, never shown in the inbox).
    PasswordReset,
    /// Account: an email verification link (always by email).
    VerifyEmail,
    /// Account: the password was changed (always by email).
    PasswordChanged,
    /// Account, a stall's owner: the stall sells without a verified seller identity and must
    /// have one by a deadline (always by email: a legal notice).
    IdentityRequired,
    /// Account, a stall's owner: a week is left before the stall is suspended for lacking a
    /// verified seller identity (always by email).
    IdentityReminder,
    /// Account, a stall's owner: the seller's identity was verified (always by email).
    IdentityVerified,
    /// Account, a stall's owner: the seller's identity was rejected, with why (always by
    /// email).
    IdentityRejected,
    /// Account, a stall's owner: a business document was verified (always by email).
    DocumentVerified,
    /// Account, a stall's owner: a business document was rejected, with why (always by email).
    DocumentRejected,
    /// Account, a stall's owner: a verified business document's last valid day is 30 or 7
    /// days away (always by email: its products hide when it lapses).
    DocumentExpiring,
    /// Account, a stall's owner: a business document expired; the products that need it are
    /// hidden until a renewed one is verified (always by email).
    DocumentExpired,
    /// Account, a stall's owner: products of the stall are hidden because it never had a
    /// document their category requires verified; names the kinds and how many products wait
    /// (always by email).
    DocumentsMissing,
    /// Administrators: a competent authority asked for a listing's removal, due within 24
    /// hours (always by email).
    AuthorityRequest,
    /// Administrators: a stall fixed a listing taken down and asks for a review (always by
    /// email).
    TakedownReviewRequested,
    /// Vendor: a buyer opened a case (a return, refund or complaint) on an order, to answer by
    /// a deadline.
    CaseOpened,
    /// Buyer: the stall accepted or rejected the case, with its message.
    CaseAnswered,
    /// Buyer and vendor: the case went to the administrators (the buyer escalated a
    /// rejection, or the stall did not answer in time).
    CaseEscalated,
    /// Administrators: a case waits for their decision (always by email).
    CaseForAdmins,
    /// Buyer and vendor: someone wrote on the case.
    CaseMessage,
    /// Buyer: the stall received the returned goods.
    CaseGoodsReceived,
    /// Buyer and vendor: an administrator decided the case, with any refund.
    CaseResolved,
    /// Vendor: an administrator recorded a payout sent to the stall's bank account, with the
    /// bank's reference.
    PayoutPaid,
    /// Vendor: the bank returned a payout, with why; its amount is payable again.
    PayoutReturned,
    /// Vendor: a buyer reviewed one of the stall's products.
    ReviewReceived,
    /// Buyer: an administrator hid the buyer's review, with why.
    ReviewHidden,
    /// Buyer: the stall replied to the buyer's review.
    ReviewReplied,
}

/// Kept as text on notifications, deliveries and opt-outs: a row naming no event is corrupt.
impl Stored for Event {
    const WHAT: &'static str = "notification event";
    const ALL: &'static [Self] = Event::ALL;
    fn as_str(self) -> &'static str {
        Event::as_str(self)
    }
}

/// Who an event is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// The stall's members, and the stall's webhooks.
    Stall,
    /// The buyer of an order.
    Buyer,
    /// The account's owner.
    Account,
    /// The marketplace's administrators.
    Admin,
}

impl Event {
    /// Every event, in the order the settings page lists them.
    pub const ALL: &'static [Event] = &[
        Self::NewOrder,
        Self::PaymentReceived,
        Self::OrderCancelledByBuyer,
        Self::RefundNeeded,
        Self::StallApproved,
        Self::StallRejected,
        Self::StallSuspended,
        Self::StallReinstated,
        Self::OcopVerified,
        Self::OcopRejected,
        Self::ProductTakenDown,
        Self::StallTakenDown,
        Self::ProductRestored,
        Self::TakedownUpheld,
        Self::OrderPlaced,
        Self::OrderConfirmed,
        Self::OrderShipped,
        Self::OrderDelivered,
        Self::OrderCancelled,
        Self::DeliveryFailed,
        Self::OrderReturned,
        Self::OrderReturnedToStall,
        Self::RefundSent,
        Self::PasswordReset,
        Self::VerifyEmail,
        Self::PasswordChanged,
        Self::IdentityRequired,
        Self::IdentityReminder,
        Self::IdentityVerified,
        Self::IdentityRejected,
        Self::DocumentVerified,
        Self::DocumentRejected,
        Self::DocumentExpiring,
        Self::DocumentExpired,
        Self::DocumentsMissing,
        Self::AuthorityRequest,
        Self::TakedownReviewRequested,
        Self::CaseOpened,
        Self::CaseAnswered,
        Self::CaseEscalated,
        Self::CaseForAdmins,
        Self::CaseMessage,
        Self::CaseGoodsReceived,
        Self::CaseResolved,
        Self::PayoutPaid,
        Self::PayoutReturned,
        Self::ReviewReceived,
        Self::ReviewHidden,
        Self::ReviewReplied,
    ];

    /// The stored name (also the webhook's `type` and the template's table).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewOrder => "new_order",
            Self::PaymentReceived => "payment_received",
            Self::OrderCancelledByBuyer => "order_cancelled_by_buyer",
            Self::RefundNeeded => "refund_needed",
            Self::StallApproved => "stall_approved",
            Self::StallRejected => "stall_rejected",
            Self::StallSuspended => "stall_suspended",
            Self::StallReinstated => "stall_reinstated",
            Self::OcopVerified => "ocop_verified",
            Self::OcopRejected => "ocop_rejected",
            Self::ProductTakenDown => "product_taken_down",
            Self::StallTakenDown => "stall_taken_down",
            Self::ProductRestored => "product_restored",
            Self::TakedownUpheld => "takedown_upheld",
            Self::OrderPlaced => "order_placed",
            Self::OrderConfirmed => "order_confirmed",
            Self::OrderShipped => "order_shipped",
            Self::OrderDelivered => "order_delivered",
            Self::OrderCancelled => "order_cancelled",
            Self::DeliveryFailed => "delivery_failed",
            Self::OrderReturned => "order_returned",
            Self::OrderReturnedToStall => "order_returned_to_stall",
            Self::RefundSent => "refund_sent",
            Self::PasswordReset => "password_reset",
            Self::VerifyEmail => "verify_email",
            Self::PasswordChanged => "password_changed",
            Self::IdentityRequired => "identity_required",
            Self::IdentityReminder => "identity_reminder",
            Self::IdentityVerified => "identity_verified",
            Self::IdentityRejected => "identity_rejected",
            Self::DocumentVerified => "document_verified",
            Self::DocumentRejected => "document_rejected",
            Self::DocumentExpiring => "document_expiring",
            Self::DocumentExpired => "document_expired",
            Self::DocumentsMissing => "documents_missing",
            Self::AuthorityRequest => "authority_request",
            Self::TakedownReviewRequested => "takedown_review_requested",
            Self::CaseOpened => "case_opened",
            Self::CaseAnswered => "case_answered",
            Self::CaseEscalated => "case_escalated",
            Self::CaseForAdmins => "case_for_admins",
            Self::CaseMessage => "case_message",
            Self::CaseGoodsReceived => "case_goods_received",
            Self::CaseResolved => "case_resolved",
            Self::PayoutPaid => "payout_paid",
            Self::PayoutReturned => "payout_returned",
            Self::ReviewReceived => "review_received",
            Self::ReviewHidden => "review_hidden",
            Self::ReviewReplied => "review_replied",
        }
    }

    /// The event stored as `name`.
    pub fn parse(name: &str) -> Option<Self> {
        <Self as Stored>::parse(name)
    }

    /// Who hears it.
    pub fn audience(self) -> Audience {
        match self {
            Self::NewOrder
            | Self::PaymentReceived
            | Self::OrderCancelledByBuyer
            | Self::RefundNeeded
            | Self::StallApproved
            | Self::StallRejected
            | Self::StallSuspended
            | Self::StallReinstated
            | Self::OcopVerified
            | Self::OcopRejected
            | Self::ProductTakenDown
            | Self::StallTakenDown
            | Self::ProductRestored
            | Self::TakedownUpheld
            | Self::CaseOpened
            | Self::PayoutPaid
            | Self::PayoutReturned
            | Self::ReviewReceived
            | Self::OrderReturnedToStall => Audience::Stall,
            Self::OrderPlaced
            | Self::OrderConfirmed
            | Self::OrderShipped
            | Self::OrderDelivered
            | Self::OrderCancelled
            | Self::DeliveryFailed
            | Self::OrderReturned
            | Self::RefundSent
            | Self::CaseAnswered
            | Self::CaseEscalated
            | Self::CaseMessage
            | Self::CaseGoodsReceived
            | Self::CaseResolved
            | Self::ReviewHidden
            | Self::ReviewReplied => Audience::Buyer,
            Self::PasswordReset
            | Self::VerifyEmail
            | Self::PasswordChanged
            | Self::IdentityRequired
            | Self::IdentityReminder
            | Self::IdentityVerified
            | Self::IdentityRejected
            | Self::DocumentVerified
            | Self::DocumentRejected
            | Self::DocumentExpiring
            | Self::DocumentExpired
            | Self::DocumentsMissing => Audience::Account,
            Self::AuthorityRequest | Self::TakedownReviewRequested | Self::CaseForAdmins => {
                Audience::Admin
            }
        }
    }

    /// Whether the recipient may turn its email off (account events always go by email, and
    /// so do administrators' alerts, which run against legal deadlines).
    pub fn email_optional(self) -> bool {
        !matches!(self.audience(), Audience::Account | Audience::Admin)
    }

    /// Whether it appears in the inbox. A reset or verification link is for the mailbox only:
    /// the inbox is read by whoever holds a session, and the link must not outlive its email.
    pub fn in_inbox(self) -> bool {
        !matches!(self, Self::PasswordReset | Self::VerifyEmail)
    }

    /// The facts its templates may name (`{name}`); the caller supplies each.
    pub fn facts(self) -> &'static [&'static str] {
        match self {
            Self::NewOrder => &[
                "name", "stall", "order", "total", "items", "payment", "commune",
            ],
            Self::PaymentReceived => &[
                "name", "stall", "order", "total", "payment", "orders", "amount",
            ],
            Self::OrderCancelledByBuyer => &["name", "stall", "order", "total", "reason"],
            Self::RefundNeeded => &["name", "stall", "order", "total", "reason", "payment"],
            Self::StallApproved | Self::StallReinstated => &["name", "stall"],
            Self::StallRejected | Self::StallSuspended => &["name", "stall", "reason"],
            Self::OcopVerified => &["name", "stall", "product", "stars"],
            Self::OcopRejected => &["name", "stall", "product", "reason"],
            Self::ProductTakenDown => &["name", "stall", "product", "reason"],
            Self::StallTakenDown => &["name", "stall", "reason"],
            Self::ProductRestored => &["name", "stall", "product"],
            Self::TakedownUpheld => &["name", "stall", "subject", "reason"],
            Self::OrderPlaced => &[
                "name",
                "orders",
                "count",
                "total",
                "payment",
                "amount",
                "reference",
                "expires",
                "next",
            ],
            Self::OrderConfirmed | Self::OrderDelivered => &["name", "stall", "order", "total"],
            Self::OrderShipped => &["name", "stall", "order", "total", "carrier", "tracking"],
            Self::OrderCancelled => &["name", "stall", "order", "total", "reason"],
            Self::DeliveryFailed => &["name", "stall", "order", "carrier", "tracking", "note"],
            Self::OrderReturned => &["name", "stall", "order", "total", "refund"],
            Self::OrderReturnedToStall => &["name", "stall", "order", "total", "tracking"],
            Self::RefundSent => &["name", "stall", "order", "amount"],
            Self::PasswordReset | Self::VerifyEmail => &["name", "link", "minutes"],
            Self::PasswordChanged => &["name"],
            Self::IdentityRequired => &["name", "stall", "deadline", "days"],
            Self::IdentityReminder => &["name", "stall", "deadline", "days"],
            Self::IdentityVerified => &["name", "stall"],
            Self::IdentityRejected => &["name", "stall", "reason"],
            Self::DocumentVerified => &["name", "stall", "document", "number"],
            Self::DocumentRejected => &["name", "stall", "document", "number", "reason"],
            Self::DocumentExpiring => &["name", "stall", "document", "number", "last_day", "days"],
            Self::DocumentExpired => &["name", "stall", "document", "number", "last_day"],
            Self::DocumentsMissing => &["name", "stall", "documents", "products"],
            Self::AuthorityRequest => &["name", "authority", "reference", "subject", "due"],
            Self::TakedownReviewRequested => &["name", "stall", "subject", "message"],
            Self::CaseOpened => &["name", "stall", "order", "kind", "reason", "due"],
            Self::CaseAnswered => &["name", "stall", "order", "kind", "decision", "message"],
            Self::CaseEscalated | Self::CaseForAdmins => {
                &["name", "stall", "order", "kind", "reason", "why"]
            }
            Self::CaseMessage => &["name", "stall", "order", "kind", "from", "message"],
            Self::CaseGoodsReceived => &["name", "stall", "order"],
            Self::CaseResolved => &["name", "stall", "order", "kind", "outcome", "message"],
            Self::PayoutPaid => &["name", "stall", "amount", "reference", "bank_reference"],
            Self::PayoutReturned => &["name", "stall", "amount", "reference", "reason"],
            Self::ReviewReceived => &["name", "stall", "product", "rating"],
            Self::ReviewHidden => &["name", "product", "reason"],
            Self::ReviewReplied => &["name", "stall", "product", "reply"],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for e in Event::ALL {
            assert_eq!(Event::parse(e.as_str()), Some(*e));
            let json = serde_json::to_value(e).unwrap_or_default();
            assert_eq!(json, serde_json::json!(e.as_str()));
        }
        assert_eq!(Event::parse("nope"), None);
    }
}
