//! Pack sizes: the variants of a product ("Chai 500 ml", "Hộp 3 chai", "Thùng 12 chai"), each
//! sold at its own price from its own stock. A product has one at least; the first is its
//! default, and the first variant of a product listed before variants existed has the
//! product's own id, so a cart or order line naming the product names it. The product's
//! `price` is its cheapest variant's, its `stock` the sum of theirs.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use common::{FieldCode, validate::Validator};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    photos::{self, MAX_IMAGES},
    sale::{self, Sale, SaleInput, SaleRules},
};

/// Highest price a variant may have: 1 tỷ đồng.
pub const MAX_PRICE: i64 = 1_000_000_000;
/// Highest stock a variant may have.
pub const MAX_STOCK: i64 = 1_000_000;
/// Most variants of one product.
pub const MAX_VARIANTS: usize = 50;

/// A way a product is sold, as answers show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Variant {
    /// Id: what a cart line and an order line name (`PUT /api/v1/cart/items/{id}`).
    pub id: Uuid,
    /// Its name, e.g. "Hộp 3 chai".
    #[cfg_attr(feature = "openapi", schema(example = "Hộp 3 chai"))]
    pub name: String,
    /// The stall's stock-keeping code.
    pub sku: Option<String>,
    /// Its GTIN (EAN-8, UPC-A, EAN-13 or GTIN-14).
    pub barcode: Option<String>,
    /// The regular price in whole đồng (the price before a promotion); see `price_in_force`.
    pub price: i64,
    /// The price before a reduction, shown struck through (above `price`).
    pub compare_at_price: Option<i64>,
    /// The price during the sale window `[sale_starts_at, sale_ends_at)`, below `price`
    /// (null: no sale; the three are set together).
    #[cfg_attr(feature = "openapi", schema(example = 102000))]
    pub sale_price: Option<i64>,
    /// When the sale begins (included).
    #[cfg_attr(feature = "openapi", schema(example = "2026-12-10T00:00:00Z"))]
    pub sale_starts_at: Option<DateTime<Utc>>,
    /// When the sale ends (excluded).
    #[cfg_attr(feature = "openapi", schema(example = "2026-12-20T00:00:00Z"))]
    pub sale_ends_at: Option<DateTime<Utc>>,
    /// The price a cart and a checkout charge now: `sale_price` during its window, otherwise
    /// `price`.
    pub price_in_force: i64,
    /// Whether `sale_price` is in force now.
    pub on_sale: bool,
    /// Units in stock.
    pub stock: i64,
    /// Shipping weight of one unit (null: the product's).
    pub weight_grams: Option<i32>,
    /// Its own images (URLs, as the product's); empty: the product's.
    pub images: Vec<String>,
    /// Units sold.
    pub sales_count: i64,
}

/// A variant as a product body gives it: with `id`, an existing one changed; without, a new
/// one. In an edit, the variants not named are removed.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VariantInput {
    /// An existing variant of this product (edits only).
    pub id: Option<Uuid>,
    /// 1 to 100 characters, unique within the product, e.g. "Chai 500 ml".
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, example = "Chai 500 ml")
    )]
    pub name: String,
    /// Up to 64 letters, digits, `-`, `_` or `.`; unique within the product.
    #[cfg_attr(feature = "openapi", schema(max_length = 64, example = "NM-500"))]
    pub sku: Option<String>,
    /// A GTIN of 8, 12, 13 or 14 digits with its check digit.
    #[cfg_attr(feature = "openapi", schema(example = "8934563138165"))]
    pub barcode: Option<String>,
    /// Whole đồng, 1 to 1 000 000 000: the regular price (the price before a promotion).
    pub price: i64,
    /// Above `price`, when the price is reduced.
    pub compare_at_price: Option<i64>,
    /// A sale: the price in force during `[sale_starts_at, sale_ends_at)`, below `price` and
    /// cutting at most 50 % of it (Decree 81/2018, Art. 7, as amended by Decree 128/2024).
    /// The three sale fields are given together or not at all; without them the variant has
    /// no sale (in an edit, its sale ends).
    #[cfg_attr(feature = "openapi", schema(example = 102000))]
    pub sale_price: Option<i64>,
    /// RFC 3339; when the sale begins (included).
    #[cfg_attr(feature = "openapi", schema(example = "2026-12-10T00:00:00Z"))]
    pub sale_starts_at: Option<DateTime<Utc>>,
    /// RFC 3339; when it ends (excluded): after `sale_starts_at`, not in the past, and at most
    /// `promotions.max_sale_days` (default 120) days after it. Keeping a product's sale days
    /// within the year's limit of the decree is the stall's duty.
    #[cfg_attr(feature = "openapi", schema(example = "2026-12-20T00:00:00Z"))]
    pub sale_ends_at: Option<DateTime<Utc>>,
    /// 0 to 1 000 000.
    pub stock: i64,
    /// 1 to 1 000 000 g; null: the product's.
    pub weight_grams: Option<i32>,
    /// Up to 10 photo ids or http(s) URLs; empty: the product's.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub images: Vec<String>,
}

/// A variant checked: what is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CheckedVariant {
    pub id: Option<Uuid>,
    pub name: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub price: i64,
    pub compare_at_price: Option<i64>,
    /// Its sale, checked by [`check_sales`].
    pub sale: Option<Sale>,
    /// `None`: as stored (an edit of the price alone never writes back a stock it read
    /// before a checkout took some).
    pub stock: Option<i64>,
    pub weight_grams: Option<i32>,
    pub images: Vec<String>,
}

/// Whether `code` is a GTIN: 8, 12, 13 or 14 digits whose last is the check digit (weights 3
/// and 1 from the right, GS1).
pub fn gtin_ok(code: &str) -> bool {
    if !matches!(code.len(), 8 | 12 | 13 | 14) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = code.bytes().map(|b| u32::from(b - b'0')).collect();
    let (body, check) = digits.split_at(digits.len() - 1);
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == check[0]
}

/// What the variants of one list must not share: names (whatever the case), SKUs (whatever
/// the case) and ids.
#[derive(Default)]
struct Seen {
    names: HashSet<String>,
    skus: HashSet<String>,
    ids: HashSet<Uuid>,
}

/// Checks `variants` (the field `variants`), recording each problem as `variants[N].<field>`.
pub(crate) fn check(v: &mut Validator, variants: &[VariantInput]) -> Vec<CheckedVariant> {
    if variants.is_empty() {
        v.add(
            "variants",
            FieldCode::Required,
            "must name at least one variant",
        );
    } else if variants.len() > MAX_VARIANTS {
        v.add(
            "variants",
            FieldCode::TooMany,
            format!("at most {MAX_VARIANTS} variants"),
        );
    }
    let mut seen = Seen::default();
    variants
        .iter()
        .enumerate()
        .map(|(i, input)| check_one(v, &format!("variants[{i}]"), input, &mut seen))
        .collect()
}

/// The trimmed text of an optional field, `None` when absent or blank.
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|s| !s.is_empty())
}

/// Checks the variant at `at`: its texts and codes, then its numbers and images.
fn check_one(v: &mut Validator, at: &str, input: &VariantInput, seen: &mut Seen) -> CheckedVariant {
    let name = v.text(&format!("{at}.name"), &input.name, 1, 100);
    if !seen.names.insert(name.to_lowercase()) {
        v.add(
            &format!("{at}.name"),
            FieldCode::Taken,
            "is the name of another variant of this product",
        );
    }
    let sku = given(input.sku.as_deref());
    if let Some(s) = sku {
        let ok = s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        v.check(
            ok,
            &format!("{at}.sku"),
            FieldCode::Invalid,
            "must be up to 64 letters, digits, -, _ or .",
        );
        if !seen.skus.insert(s.to_ascii_uppercase()) {
            v.add(
                &format!("{at}.sku"),
                FieldCode::Taken,
                "is the SKU of another variant of this product",
            );
        }
    }
    let barcode = given(input.barcode.as_deref());
    if let Some(b) = barcode {
        v.check(
            gtin_ok(b),
            &format!("{at}.barcode"),
            FieldCode::Invalid,
            "must be a GTIN of 8, 12, 13 or 14 digits with a valid check digit",
        );
    }
    if let Some(id) = input.id
        && !seen.ids.insert(id)
    {
        v.add(
            &format!("{at}.id"),
            FieldCode::Invalid,
            "names a variant named before in this list",
        );
    }
    let images = check_amounts(v, at, input);
    CheckedVariant {
        id: input.id,
        name,
        sku: sku.map(str::to_owned),
        barcode: barcode.map(str::to_owned),
        price: input.price,
        compare_at_price: input.compare_at_price,
        sale: None,
        stock: Some(input.stock),
        weight_grams: input.weight_grams,
        images,
    }
}

impl VariantInput {
    /// The sale fields it gives.
    pub fn sale_input(&self) -> SaleInput {
        SaleInput {
            price: self.sale_price,
            starts_at: self.sale_starts_at,
            ends_at: self.sale_ends_at,
        }
    }
}

/// Checks the sales of `inputs` into `checked` (the same list, checked by [`check`]),
/// recording each problem as `variants[N].sale_*`. A variant's stored sale (in `stored`, by
/// id) given back as it is, with an unchanged price or already over, is kept without checks,
/// so an edit of other fields never fails on a sale that has since ended.
pub(crate) fn check_sales(
    v: &mut Validator,
    inputs: &[VariantInput],
    checked: &mut [CheckedVariant],
    stored: &[(Uuid, i64, Option<Sale>)],
    rules: (SaleRules, DateTime<Utc>),
) {
    for (i, (input, out)) in inputs.iter().zip(checked.iter_mut()).enumerate() {
        let given = input.sale_input();
        // Its stored sale, given back as it is, with the same price or already over.
        let unchanged = input.id.is_some_and(|id| {
            stored.iter().any(|(s, price, sale)| {
                *s == id
                    && SaleInput::of(sale.as_ref()) == given
                    && (*price == input.price || sale.is_some_and(|x| x.ends_at <= rules.1))
            })
        });
        out.sale = if unchanged {
            Sale::from_columns(given.price, given.starts_at, given.ends_at)
        } else {
            sale::check(v, &format!("variants[{i}]."), input.price, given, rules)
        };
    }
}

/// Checks the variant's price, compared price, stock, weight and images; returns the images
/// as stored.
fn check_amounts(v: &mut Validator, at: &str, input: &VariantInput) -> Vec<String> {
    v.check(
        (1..=MAX_PRICE).contains(&input.price),
        &format!("{at}.price"),
        FieldCode::OutOfRange,
        format!("must be a whole number of đồng from 1 to {MAX_PRICE}"),
    );
    if let Some(c) = input.compare_at_price {
        v.check(
            c > input.price && c <= MAX_PRICE,
            &format!("{at}.compare_at_price"),
            FieldCode::OutOfRange,
            "must be above price and at most 1000000000",
        );
    }
    v.check(
        (0..=MAX_STOCK).contains(&input.stock),
        &format!("{at}.stock"),
        FieldCode::OutOfRange,
        format!("must be from 0 to {MAX_STOCK}"),
    );
    if let Some(w) = input.weight_grams {
        v.check(
            (1..=1_000_000).contains(&w),
            &format!("{at}.weight_grams"),
            FieldCode::OutOfRange,
            "must be from 1 to 1000000",
        );
    }
    if input.images.len() > MAX_IMAGES {
        v.add(
            &format!("{at}.images"),
            FieldCode::TooMany,
            format!("at most {MAX_IMAGES} images"),
        );
    }
    photos::image_entries(v, &format!("{at}.images"), &input.images)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtins_are_checked_by_their_last_digit() {
        assert!(gtin_ok("8934563138165"));
        assert!(!gtin_ok("8934563138166"));
        assert!(gtin_ok("96385074"));
        assert!(gtin_ok("036000291452"));
        assert!(!gtin_ok("89345631381"));
        assert!(!gtin_ok("893456313816a"));
    }

    fn input(name: &str, sku: Option<&str>, price: i64) -> VariantInput {
        VariantInput {
            id: None,
            name: name.into(),
            sku: sku.map(Into::into),
            barcode: None,
            price,
            compare_at_price: None,
            sale_price: None,
            sale_starts_at: None,
            sale_ends_at: None,
            stock: 1,
            weight_grams: None,
            images: Vec::new(),
        }
    }

    fn fields(v: Validator) -> Vec<String> {
        match v.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e.fields.into_iter().map(|f| f.field).collect(),
        }
    }

    #[test]
    fn a_sale_given_back_as_stored_is_not_checked_again_once_over() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let now = t("2026-12-05T00:00:00Z");
        let over = Sale {
            price: 80_000,
            starts_at: t("2026-11-01T00:00:00Z"),
            ends_at: t("2026-11-10T00:00:00Z"),
        };
        let id = Uuid::now_v7();
        let mut given = input("Chai 500 ml", None, 90_000);
        given.id = Some(id);
        given.sale_price = Some(over.price);
        given.sale_starts_at = Some(over.starts_at);
        given.sale_ends_at = Some(over.ends_at);
        let stored = [(id, 100_000, Some(over))];
        let rules = (SaleRules::default(), now);
        let mut v = Validator::new();
        let mut out = check(&mut v, std::slice::from_ref(&given));
        check_sales(&mut v, &[given.clone()], &mut out, &stored, rules);
        assert_eq!(out[0].sale, Some(over));
        assert!(v.is_ok(), "a new price keeps a sale that is over");
        // Moved, it is a new sale, and one in the past is refused.
        given.sale_starts_at = Some(t("2026-11-02T00:00:00Z"));
        let mut v = Validator::new();
        let mut out = check(&mut v, std::slice::from_ref(&given));
        check_sales(&mut v, &[given], &mut out, &stored, rules);
        assert_eq!(out[0].sale, None);
        assert_eq!(fields(v), ["variants[0].sale_ends_at"]);
    }

    #[test]
    fn names_and_skus_are_unique_within_a_product_and_each_problem_is_named() {
        let mut v = Validator::new();
        let out = check(
            &mut v,
            &[
                input("Chai 500 ml", Some("nm-500"), 85_000),
                input("chai 500 ML", Some("NM-500"), 0),
            ],
        );
        assert_eq!(out.len(), 2);
        assert_eq!(
            fields(v),
            ["variants[1].name", "variants[1].sku", "variants[1].price"]
        );
        let mut v = Validator::new();
        check(&mut v, &[]);
        assert_eq!(fields(v), ["variants"]);
    }
}
