//! Money: a whole number of Vietnamese đồng. Never a float; VND has no minor unit (Stripe treats
//! it as zero-decimal, so 50 000 ₫ is sent as `50000`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount in whole đồng.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    /// Zero đồng.
    pub const ZERO: Money = Money(0);

    /// An amount of `dong` đồng.
    pub const fn from_dong(dong: i64) -> Self {
        Money(dong)
    }

    /// The amount in đồng.
    pub const fn dong(self) -> i64 {
        self.0
    }

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// `self × quantity`, or `None` on overflow.
    pub fn checked_mul(self, quantity: i64) -> Option<Money> {
        self.0.checked_mul(quantity).map(Money)
    }
}

impl fmt::Display for Money {
    /// Vietnamese style: dots group thousands, the symbol follows (`1.250.000 ₫`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.unsigned_abs().to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push('.');
            }
            grouped.push(c);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{grouped} ₫")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_the_vietnamese_way() {
        assert_eq!(Money::from_dong(0).to_string(), "0 ₫");
        assert_eq!(Money::from_dong(950).to_string(), "950 ₫");
        assert_eq!(Money::from_dong(50_000).to_string(), "50.000 ₫");
        assert_eq!(Money::from_dong(1_250_000).to_string(), "1.250.000 ₫");
        assert_eq!(Money::from_dong(-120_000).to_string(), "-120.000 ₫");
    }

    #[test]
    fn arithmetic_refuses_to_overflow() {
        let m = Money::from_dong(45_000);
        assert_eq!(m.checked_mul(3), Some(Money::from_dong(135_000)));
        assert_eq!(
            m.checked_add(Money::from_dong(5_000)),
            Some(Money::from_dong(50_000))
        );
        assert_eq!(Money::from_dong(i64::MAX).checked_add(m), None);
        assert_eq!(Money::from_dong(i64::MAX / 2).checked_mul(3), None);
    }

    #[test]
    fn serializes_as_a_bare_integer() {
        let m = Money::from_dong(50_000);
        assert_eq!(serde_json::to_string(&m).unwrap(), "50000");
        assert_eq!(serde_json::from_str::<Money>("50000").unwrap(), m);
    }
}
