//! Sale prices: a variant's reduced price during a window of time. A variant's `price` stays
//! its regular price (the price before the promotion); during `[starts_at, ends_at)` the price
//! in force is the sale's. [`price_at`] is the one rule for the price in force at an instant:
//! answers, carts, checkouts and the search documents all read it.
//!
//! What a stall may set (Decree 81/2018/NĐ-CP, Art. 7, as amended by Decree 128/2024/NĐ-CP):
//! a sale price below the regular price that cuts at most 50 % of it, over a window of at most
//! `promotions.max_sale_days` days. The decree also caps the days a product is on promotion
//! in a year; adding up a stall's windows over the year is the stall's duty, not checked here.

use chrono::{DateTime, Duration, Utc};
use common::{FieldCode, validate::Validator};
use serde::Deserialize;

/// The most of the regular price a sale may cut, in percent.
pub const MAX_CUT_PERCENT: i64 = 50;
/// The longest sale window by default, in days (`promotions.max_sale_days`).
pub const DEFAULT_MAX_SALE_DAYS: u32 = 120;

/// What a stall may set on a sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct SaleRules {
    /// The longest window, in days.
    pub max_days: u32,
}

impl Default for SaleRules {
    fn default() -> Self {
        Self {
            max_days: DEFAULT_MAX_SALE_DAYS,
        }
    }
}

/// A sale on a variant: its price during `[starts_at, ends_at)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sale {
    /// The price in force during the window, in whole đồng.
    pub price: i64,
    /// When it begins (included).
    pub starts_at: DateTime<Utc>,
    /// When it ends (excluded).
    pub ends_at: DateTime<Utc>,
}

impl Sale {
    /// The sale stored in a variant's three columns; none unless all three are set.
    pub fn from_columns(
        price: Option<i64>,
        starts_at: Option<DateTime<Utc>>,
        ends_at: Option<DateTime<Utc>>,
    ) -> Option<Self> {
        Some(Self {
            price: price?,
            starts_at: starts_at?,
            ends_at: ends_at?,
        })
    }

    /// Whether the sale's price is in force at `at`.
    pub fn in_force(&self, at: DateTime<Utc>) -> bool {
        self.starts_at <= at && at < self.ends_at
    }
}

/// The price in force at `at` of a variant of regular price `price` with `sale`: the sale's
/// price during its window, otherwise the regular price.
pub fn price_at(price: i64, sale: Option<&Sale>, at: DateTime<Utc>) -> i64 {
    match sale {
        Some(s) if s.in_force(at) => s.price,
        _ => price,
    }
}

/// A sale as a body gives it: its three fields, each perhaps absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaleInput {
    /// `sale_price`.
    pub price: Option<i64>,
    /// `sale_starts_at`.
    pub starts_at: Option<DateTime<Utc>>,
    /// `sale_ends_at`.
    pub ends_at: Option<DateTime<Utc>>,
}

impl SaleInput {
    /// Whether none of the three is given.
    pub fn is_empty(&self) -> bool {
        self.price.is_none() && self.starts_at.is_none() && self.ends_at.is_none()
    }

    /// The input that gives `sale`'s fields, or none.
    pub fn of(sale: Option<&Sale>) -> Self {
        sale.map_or_else(Self::default, |s| Self {
            price: Some(s.price),
            starts_at: Some(s.starts_at),
            ends_at: Some(s.ends_at),
        })
    }
}

/// Checks the sale `input` of a variant of regular price `regular` at `now`, recording each
/// problem under `{at}sale_price`, `{at}sale_starts_at` or `{at}sale_ends_at` (`at` is empty
/// or ends with a dot); returns the sale to store (none when no field is given).
pub fn check(
    v: &mut Validator,
    at: &str,
    regular: i64,
    input: SaleInput,
    (rules, now): (SaleRules, DateTime<Utc>),
) -> Option<Sale> {
    if input.is_empty() {
        return None;
    }
    let (price_f, starts_f, ends_f) = (
        format!("{at}sale_price"),
        format!("{at}sale_starts_at"),
        format!("{at}sale_ends_at"),
    );
    let before = v.error_count();
    for (field, given) in [
        (&price_f, input.price.is_some()),
        (&starts_f, input.starts_at.is_some()),
        (&ends_f, input.ends_at.is_some()),
    ] {
        v.check(
            given,
            field,
            FieldCode::Required,
            "sale_price, sale_starts_at and sale_ends_at go together: give all three or none",
        );
    }
    let sale = Sale::from_columns(input.price, input.starts_at, input.ends_at)?;
    check_price(v, &price_f, regular, sale.price);
    if sale.ends_at <= sale.starts_at {
        v.add(
            &ends_f,
            FieldCode::BeforeOther,
            "must be after sale_starts_at",
        );
    } else if sale.ends_at - sale.starts_at > Duration::days(i64::from(rules.max_days)) {
        let days = rules.max_days;
        v.add(
            &ends_f,
            FieldCode::WindowTooLong,
            format!("must be at most {days} days after sale_starts_at"),
        );
    }
    v.check(
        sale.ends_at > now,
        &ends_f,
        FieldCode::InThePast,
        "must not be in the past: the sale would be over",
    );
    (v.error_count() == before).then_some(sale)
}

/// Checks a sale price against the regular price `regular`: below it, and cutting at most
/// [`MAX_CUT_PERCENT`] of it.
fn check_price(v: &mut Validator, field: &str, regular: i64, sale: i64) {
    if !(1..regular).contains(&sale) {
        let below = regular.saturating_sub(1).max(1);
        v.add(
            field,
            FieldCode::OutOfRange,
            format!("must be from 1 to {below}"),
        );
    } else if (regular - sale).saturating_mul(100) > regular.saturating_mul(MAX_CUT_PERCENT) {
        v.add(
            field,
            FieldCode::OverPromotionCap,
            "must not cut more than 50 % of price, the price before the promotion (Decree 81/2018, Art. 7)",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn input(price: i64, starts: &str, ends: &str) -> SaleInput {
        SaleInput {
            price: Some(price),
            starts_at: Some(t(starts)),
            ends_at: Some(t(ends)),
        }
    }

    fn problems(regular: i64, i: SaleInput) -> Vec<(String, &'static str)> {
        let mut v = Validator::new();
        let now = t("2026-12-05T00:00:00Z");
        let out = check(
            &mut v,
            "variants[0].",
            regular,
            i,
            (SaleRules::default(), now),
        );
        match v.finish() {
            Ok(()) => {
                assert!(out.is_some() || i.is_empty());
                Vec::new()
            }
            Err(e) => {
                assert!(out.is_none());
                e.fields
                    .into_iter()
                    .map(|f| (f.field, f.code.as_str()))
                    .collect()
            }
        }
    }

    #[test]
    fn the_sale_price_is_in_force_during_its_window_only() {
        let s = Sale {
            price: 80_000,
            starts_at: t("2026-12-10T00:00:00Z"),
            ends_at: t("2026-12-20T00:00:00Z"),
        };
        assert_eq!(
            price_at(100_000, Some(&s), t("2026-12-09T23:59:59Z")),
            100_000
        );
        assert_eq!(
            price_at(100_000, Some(&s), t("2026-12-10T00:00:00Z")),
            80_000
        );
        assert_eq!(
            price_at(100_000, Some(&s), t("2026-12-19T23:59:59Z")),
            80_000
        );
        assert_eq!(
            price_at(100_000, Some(&s), t("2026-12-20T00:00:00Z")),
            100_000
        );
        assert_eq!(price_at(100_000, None, t("2026-12-15T00:00:00Z")), 100_000);
    }

    #[test]
    fn each_rule_names_its_field_and_code() {
        let ok = input(50_000, "2026-12-10T00:00:00Z", "2027-01-10T00:00:00Z");
        assert!(problems(100_000, ok).is_empty());
        assert!(problems(100_000, SaleInput::default()).is_empty());
        let cases = [
            (
                input(100_000, "2026-12-10T00:00:00Z", "2027-01-10T00:00:00Z"),
                "variants[0].sale_price",
                "out_of_range",
            ),
            (
                input(0, "2026-12-10T00:00:00Z", "2027-01-10T00:00:00Z"),
                "variants[0].sale_price",
                "out_of_range",
            ),
            (
                input(49_999, "2026-12-10T00:00:00Z", "2027-01-10T00:00:00Z"),
                "variants[0].sale_price",
                "over_promotion_cap",
            ),
            (
                input(90_000, "2026-12-10T00:00:00Z", "2026-12-10T00:00:00Z"),
                "variants[0].sale_ends_at",
                "before_other",
            ),
            (
                input(90_000, "2026-12-10T00:00:00Z", "2027-04-10T00:00:01Z"),
                "variants[0].sale_ends_at",
                "window_too_long",
            ),
            (
                input(90_000, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"),
                "variants[0].sale_ends_at",
                "in_the_past",
            ),
            (
                SaleInput {
                    ends_at: None,
                    ..input(90_000, "2026-12-10T00:00:00Z", "2027-01-10T00:00:00Z")
                },
                "variants[0].sale_ends_at",
                "required",
            ),
        ];
        for (i, field, code) in cases {
            assert_eq!(problems(100_000, i), [(field.to_owned(), code)], "{i:?}");
        }
        // 120 days exactly is allowed.
        let longest = input(90_000, "2026-12-10T00:00:00Z", "2027-04-09T00:00:00Z");
        assert!(problems(100_000, longest).is_empty());
    }
}
