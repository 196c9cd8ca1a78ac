//! Payment providers behind one trait. Cash on delivery needs nothing at checkout; card
//! payments (Stripe) create a payment intent after the checkout transaction commits.

use serde::{Deserialize, Serialize};

/// How a buyer pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Cash on delivery: orders start `placed` and are paid when delivered.
    Cod,
    /// Card through Stripe: orders start `pending_payment`.
    Card,
}

impl PaymentMethod {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cod => "cod",
            PaymentMethod::Card => "card",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "cod" => Some(PaymentMethod::Cod),
            "card" => Some(PaymentMethod::Card),
            _ => None,
        }
    }
}
