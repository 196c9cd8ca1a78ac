//! A voucher: its kinds, who funds it, what a creator sends and what readers see, and the
//! rules a voucher must meet to exist, above all the cap of Decree 81/2018 (Art. 7, as amended
//! by Decree 128/2024): a promotion may not cut more than 50 % of the price before it, unless
//! it is part of a concentrated promotion programme, which only an administrator can say.

use chrono::{DateTime, Utc};
use common::{FieldCode, Stored, validate::Validator};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most a voucher's amounts may be, in đồng (a billion).
pub const MAX_AMOUNT: i64 = 1_000_000_000;
/// The most uses a voucher may allow in all.
pub const MAX_USES: i64 = 1_000_000_000;
/// The most uses a voucher may allow one buyer.
pub const MAX_PER_BUYER: i64 = 1000;
/// The cap of Decree 81/2018, Art. 7: at most this percent of the price before the promotion.
pub const CAP_PERCENT: i64 = 50;

/// What a voucher takes off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VoucherKind {
    /// `value` percent of the eligible goods (a whole percent, 1 to 100).
    Percent,
    /// `value` đồng off the eligible goods.
    Fixed,
    /// The delivery fee waived: at most `value` đồng per order, or all of it when `value` is 0.
    FreeDelivery,
}

impl Stored for VoucherKind {
    const WHAT: &'static str = "voucher kind";
    const ALL: &'static [Self] = &[Self::Percent, Self::Fixed, Self::FreeDelivery];
    fn as_str(self) -> &'static str {
        match self {
            Self::Percent => "percent",
            Self::Fixed => "fixed",
            Self::FreeDelivery => "free_delivery",
        }
    }
}

/// Who pays for a voucher's discount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FundedBy {
    /// The marketplace: made by an administrator, valid on every stall's goods.
    Platform,
    /// A stall: made by its owner, valid only on its own goods.
    Stall,
}

impl Stored for FundedBy {
    const WHAT: &'static str = "voucher funder";
    const ALL: &'static [Self] = &[Self::Platform, Self::Stall];
    fn as_str(self) -> &'static str {
        match self {
            Self::Platform => "platform",
            Self::Stall => "stall",
        }
    }
}

/// A voucher to create.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewVoucher {
    /// 3 to 32 letters, digits, `_` or `-`; kept upper-case, unique across the floor, and
    /// found whatever its case.
    pub code: String,
    /// `percent`, `fixed` or `free_delivery`.
    pub kind: VoucherKind,
    /// Percent: a whole percent, 1 to 50 (to 100 in a concentrated programme). Fixed: đồng off.
    /// Free delivery: the most waived per order in đồng, 0 for the whole fee.
    pub value: i64,
    /// The eligible goods must come to at least this, in đồng.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_subtotal: Option<i64>,
    /// The most a percent voucher takes off, in đồng.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_discount: Option<i64>,
    /// From when it can be used.
    pub starts_at: DateTime<Utc>,
    /// Until when it can be used (after `starts_at`).
    pub ends_at: DateTime<Utc>,
    /// How many checkouts may use it in all; none: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_limit: Option<i64>,
    /// How many checkouts of one buyer may use it; none: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_buyer_limit: Option<i64>,
    /// Valid only on products of this category and those below it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<Uuid>,
    /// A concentrated promotion programme (Decree 81/2018, Art. 7, as amended by Decree
    /// 128/2024), which may cut up to 100 %: administrators only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concentrated: Option<bool>,
}

/// A change to a voucher. Before its first use anything here may change; once used, only
/// `ends_at`, `usage_limit` and `active` (409 `voucher_in_use` otherwise), so no buyer's
/// discount changes under them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VoucherPatch {
    /// As at creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    /// As at creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_subtotal: Option<i64>,
    /// As at creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_discount: Option<i64>,
    /// As at creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    /// As at creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    /// As at creation; never below the uses so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_limit: Option<i64>,
    /// As at creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_buyer_limit: Option<i64>,
    /// `false` ends it at once (checkouts refuse it as `expired`); `true` takes it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

impl VoucherPatch {
    /// Whether it changes anything a used voucher must keep.
    pub fn touches_terms(&self) -> bool {
        self.value.is_some()
            || self.min_subtotal.is_some()
            || self.max_discount.is_some()
            || self.starts_at.is_some()
            || self.per_buyer_limit.is_some()
    }
}

/// A voucher as its creators read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Voucher {
    /// Id.
    pub id: Uuid,
    /// The code, upper-case.
    pub code: String,
    /// What it takes off.
    pub kind: VoucherKind,
    /// Percent, đồng, or (free delivery) the most waived per order, 0 for all.
    pub value: i64,
    /// The least the eligible goods must come to, in đồng.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_subtotal: Option<i64>,
    /// The most a percent voucher takes off, in đồng.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_discount: Option<i64>,
    /// From when.
    pub starts_at: DateTime<Utc>,
    /// Until when.
    pub ends_at: DateTime<Utc>,
    /// Uses allowed in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_limit: Option<i64>,
    /// Uses allowed per buyer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_buyer_limit: Option<i64>,
    /// Valid only in this category and those below it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_id: Option<Uuid>,
    /// Part of a concentrated promotion programme (up to 100 %).
    pub concentrated: bool,
    /// Who pays for its discounts.
    pub funded_by: FundedBy,
    /// The stall whose voucher it is (funded by the stall).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stall_id: Option<Uuid>,
    /// Checkouts that used it (uses given back by cancellations are not counted).
    pub used_count: i64,
    /// Whether it can be used (a deactivated one is refused as expired).
    pub active: bool,
}

/// The terms a voucher is checked on, creation and change alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Terms {
    pub kind: VoucherKind,
    pub value: i64,
    pub min_subtotal: Option<i64>,
    pub max_discount: Option<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub usage_limit: Option<i64>,
    pub per_buyer_limit: Option<i64>,
    pub concentrated: bool,
}

/// The code as stored: trimmed, upper-case; 3 to 32 letters, digits, `_` or `-`.
pub(crate) fn check_code(v: &mut Validator, code: &str) -> String {
    let code = code.trim().to_ascii_uppercase();
    let n = code.chars().count();
    if !(3..=32).contains(&n) {
        v.add(
            "code",
            FieldCode::LengthOutOfRange,
            "must be 3 to 32 characters",
        );
    } else if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        v.add(
            "code",
            FieldCode::Invalid,
            "must be letters A to Z, digits, _ or -",
        );
    }
    code
}

/// Checks a voucher's terms field by field, the 50 % cap included.
pub(crate) fn check_terms(v: &mut Validator, t: &Terms) {
    let (min, max) = match t.kind {
        VoucherKind::Percent => (1, 100),
        VoucherKind::Fixed => (1, MAX_AMOUNT),
        VoucherKind::FreeDelivery => (0, MAX_AMOUNT),
    };
    if !(min..=max).contains(&t.value) {
        v.add(
            "value",
            FieldCode::OutOfRange,
            format!("must be a whole number from {min} to {max}"),
        );
    } else if !t.concentrated {
        check_cap(v, t);
    }
    amount(v, "min_subtotal", t.min_subtotal, 0, MAX_AMOUNT);
    amount(v, "max_discount", t.max_discount, 1, MAX_AMOUNT);
    amount(v, "usage_limit", t.usage_limit, 1, MAX_USES);
    amount(v, "per_buyer_limit", t.per_buyer_limit, 1, MAX_PER_BUYER);
    if t.ends_at <= t.starts_at {
        v.add(
            "ends_at",
            FieldCode::BeforeOther,
            format!("must be after {other}", other = "starts_at"),
        );
    }
}

/// The cap of Decree 81/2018, Art. 7 (as amended by Decree 128/2024) for a voucher outside a
/// concentrated programme: a percent voucher takes at most 50 %; a fixed one at most half of
/// the least the goods must come to, so it never takes more than half of any order it applies
/// to (without a minimum it could take all of a cheap order, and is refused).
fn check_cap(v: &mut Validator, t: &Terms) {
    match t.kind {
        VoucherKind::Percent if t.value > CAP_PERCENT => {
            v.add(
                "value",
                FieldCode::OverPromotionCap,
                "must be at most 50 percent (Decree 81/2018, Art. 7) unless an administrator marks the programme concentrated",
            );
        }
        VoucherKind::Fixed if t.min_subtotal.unwrap_or(0) < t.value.saturating_mul(2) => {
            v.add(
                "value",
                FieldCode::OverPromotionCap,
                "must be at most half of min_subtotal, so it never cuts more than 50 % of the price (Decree 81/2018, Art. 7)",
            );
        }
        _ => {}
    }
}

/// An optional whole number from `min` to `max`.
fn amount(v: &mut Validator, field: &str, value: Option<i64>, min: i64, max: i64) {
    if let Some(x) = value
        && !(min..=max).contains(&x)
    {
        v.add(
            field,
            FieldCode::OutOfRange,
            format!("must be a whole number from {min} to {max}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(kind: VoucherKind, value: i64, min_subtotal: Option<i64>) -> Terms {
        let at = Utc::now();
        Terms {
            kind,
            value,
            min_subtotal,
            max_discount: None,
            starts_at: at,
            ends_at: at + chrono::Duration::days(1),
            usage_limit: None,
            per_buyer_limit: None,
            concentrated: false,
        }
    }

    fn codes(t: &Terms) -> Vec<(String, FieldCode)> {
        let mut v = Validator::new();
        check_terms(&mut v, t);
        match v.finish() {
            Ok(()) => vec![],
            Err(e) => e.fields.into_iter().map(|f| (f.field, f.code)).collect(),
        }
    }

    #[test]
    fn the_fifty_percent_cap_holds_unless_concentrated() {
        assert!(codes(&terms(VoucherKind::Percent, 50, None)).is_empty());
        let over = codes(&terms(VoucherKind::Percent, 51, None));
        assert_eq!(over, vec![("value".into(), FieldCode::OverPromotionCap)]);
        let mut t = terms(VoucherKind::Percent, 100, None);
        t.concentrated = true;
        assert!(codes(&t).is_empty());
        assert_eq!(
            codes(&terms(VoucherKind::Percent, 101, None)),
            vec![("value".into(), FieldCode::OutOfRange)]
        );
    }

    #[test]
    fn a_fixed_amount_needs_a_minimum_of_twice_it() {
        assert!(codes(&terms(VoucherKind::Fixed, 20_000, Some(40_000))).is_empty());
        for min in [None, Some(39_999)] {
            assert_eq!(
                codes(&terms(VoucherKind::Fixed, 20_000, min)),
                vec![("value".into(), FieldCode::OverPromotionCap)]
            );
        }
        assert!(codes(&terms(VoucherKind::FreeDelivery, 0, None)).is_empty());
    }

    #[test]
    fn codes_are_upper_case_letters_digits_and_dashes() {
        let mut v = Validator::new();
        assert_eq!(check_code(&mut v, " tet-2027_a "), "TET-2027_A");
        assert!(v.is_ok());
        for bad in ["AB", "TẾT2027", "A B C", &"X".repeat(33)] {
            let mut v = Validator::new();
            check_code(&mut v, bad);
            assert!(!v.is_ok(), "{bad}");
        }
    }
}
