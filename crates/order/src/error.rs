//! Errors of the order crate, each with a kind and a stable code.

use common::{Error, ErrorKind, FieldCode};
use uuid::Uuid;

/// A product there is not enough of.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shortage {
    /// The product.
    pub product_id: Uuid,
    /// Its variant (the cart line).
    pub variant_id: Uuid,
    /// Its name, with the variant's.
    pub name: String,
    /// How many were asked for.
    pub requested: i64,
    /// How many are left.
    pub available: i64,
}

/// What can go wrong with carts, checkouts and orders.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// The thing does not exist or is not the caller's.
    #[error("{0} not found.")]
    NotFound(&'static str),
    /// Not enough stock for some products; nothing was reserved.
    #[error("Not enough stock for {} product(s).", .0.len())]
    OutOfStock(Vec<Shortage>),
    /// The move is not allowed from the order's status or for the caller.
    #[error("{0}")]
    InvalidTransition(String),
    /// An idempotency key reused with a different request.
    #[error("This Idempotency-Key was used for a different checkout.")]
    KeyReused,
    /// The cart is empty or holds products that can no longer be bought.
    #[error("{0}")]
    CartNotReady(String),
    /// The cart changed while it was being checked out (another checkout of it, or an edit).
    #[error(
        "The cart changed while it was being checked out (another checkout of it, or an edit); look at it again and retry."
    )]
    CartChanged,
    /// The total differs from the one the buyer was shown; nothing was ordered.
    #[error(
        "The total is now {} đồng, not the {expected} đồng shown; nothing was ordered. Show the new total and ask again.",
        breakdown["total"]
    )]
    TotalChanged {
        /// The total the buyer was shown.
        expected: i64,
        /// The new orders and totals, as the client shows them.
        breakdown: serde_json::Value,
    },
    /// The payment provider could not be reached; nothing was ordered, the cart is as it was.
    #[error(
        "Card payments are unavailable right now; the orders were cancelled and the cart is as it was. Try again shortly, or choose cod."
    )]
    PaymentUnavailable(String),
    /// The payment provider refused to start the payment; nothing was ordered.
    #[error("The card payment could not be started: {0}. Nothing was ordered.")]
    PaymentRefused(String),
    /// A stored value is not one its type knows: corrupt data, never turned into a default.
    #[error("Corrupt order data: {0}.")]
    Corrupt(String),
    /// A rule was broken, or the caller lacks rights (from common).
    #[error(transparent)]
    Common(#[from] Error),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl OrderError {
    /// The class of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            OrderError::NotFound(_) => ErrorKind::NotFound,
            OrderError::OutOfStock(_)
            | OrderError::InvalidTransition(_)
            | OrderError::CartChanged
            | OrderError::TotalChanged { .. } => ErrorKind::Conflict,
            OrderError::KeyReused | OrderError::CartNotReady(_) | OrderError::PaymentRefused(_) => {
                ErrorKind::Invalid
            }
            OrderError::PaymentUnavailable(_) => ErrorKind::Unavailable,
            OrderError::Common(e) => e.kind,
            OrderError::Db(_) | OrderError::Corrupt(_) => ErrorKind::Internal,
        }
    }

    /// The stable code clients see.
    pub fn code(&self) -> &'static str {
        match self {
            OrderError::NotFound(_) => "not_found",
            OrderError::OutOfStock(_) => "out_of_stock",
            OrderError::InvalidTransition(_) => "invalid_transition",
            OrderError::KeyReused => "idempotency_key_reused",
            OrderError::CartNotReady(_) => "cart_not_ready",
            OrderError::CartChanged => "cart_changed",
            OrderError::TotalChanged { .. } => "total_changed",
            OrderError::PaymentUnavailable(_) => "payment_unavailable",
            OrderError::PaymentRefused(_) => "payment_refused",
            OrderError::Common(e) => e.code,
            OrderError::Db(_) | OrderError::Corrupt(_) => "internal",
        }
    }
}

impl From<OrderError> for Error {
    fn from(e: OrderError) -> Self {
        match e {
            OrderError::Common(inner) => inner,
            OrderError::Db(db) => Error::from(db),
            OrderError::Corrupt(what) => Error::internal(what),
            OrderError::OutOfStock(items) => {
                let mut err = Error::new(
                    ErrorKind::Conflict,
                    "out_of_stock",
                    format!(
                        "Not enough stock for {} product(s); nothing was ordered.",
                        items.len()
                    ),
                );
                err.fields = items
                    .iter()
                    .map(|s| {
                        common::FieldError::new(
                            format!("items.{}", s.variant_id),
                            FieldCode::OutOfStock,
                            format!(
                                "{}: {} requested, {} left",
                                s.name, s.requested, s.available
                            ),
                        )
                    })
                    .collect();
                // The numbers of the detail, for a client's own words (and the Vietnamese).
                err.details = Some(serde_json::json!({"count": items.len(), "shortages": items}));
                err
            }
            OrderError::TotalChanged {
                expected,
                breakdown,
            } => {
                let mut err = Error::new(
                    ErrorKind::Conflict,
                    "total_changed",
                    OrderError::TotalChanged {
                        expected,
                        breakdown: breakdown.clone(),
                    }
                    .to_string(),
                );
                err.fields = vec![common::FieldError::new(
                    "expected_total",
                    FieldCode::TotalChanged,
                    format!("is {expected}; the total is now {}", breakdown["total"]),
                )];
                err.details = Some(breakdown);
                err
            }
            other => Error::new(other.kind(), other.code(), other.to_string()),
        }
    }
}

impl From<catalog::CatalogError> for OrderError {
    fn from(e: catalog::CatalogError) -> Self {
        OrderError::Common(e.into())
    }
}

/// Result of order services.
pub type Result<T, E = OrderError> = std::result::Result<T, E>;
