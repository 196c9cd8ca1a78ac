//! Products and their OCOP claims: the rules for what a vendor may list, and what the public
//! sees of a certificate (stars show only while it is verified and unexpired, decided at read
//! time, so expiry needs no job).

use chrono::{DateTime, Months, NaiveDate, Utc};
use common::{FieldCode, Money, Stored, validate::Validator};
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::{
    facts::ProductFacts,
    region::{Commune, Regions},
};

pub use crate::{
    photos::MAX_IMAGES,
    variant::{MAX_PRICE, MAX_STOCK},
};
/// Validity of an OCOP certificate, in months.
pub const OCOP_VALIDITY_MONTHS: u32 = 36;

/// Whether a product is on sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    /// Listed.
    Active,
    /// Withdrawn by the stall; kept for order history.
    Archived,
}

impl Stored for ProductStatus {
    const WHAT: &'static str = "product status";
    const ALL: &'static [Self] = &[ProductStatus::Active, ProductStatus::Archived];
    fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Active => "active",
            ProductStatus::Archived => "archived",
        }
    }
}

/// Who issued an OCOP certificate: the province (3 and 4 stars) or the national council (5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OcopIssuer {
    /// The provincial People's Committee.
    Province,
    /// The national OCOP council.
    National,
}

impl Stored for OcopIssuer {
    const WHAT: &'static str = "OCOP issuer";
    const ALL: &'static [Self] = &[OcopIssuer::Province, OcopIssuer::National];
    fn as_str(self) -> &'static str {
        match self {
            OcopIssuer::Province => "province",
            OcopIssuer::National => "national",
        }
    }
}

/// Where an OCOP claim stands with the administrators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OcopStatus {
    /// Claimed by the vendor, not yet checked.
    Unverified,
    /// Checked by an administrator.
    Verified,
    /// Refused by an administrator, with a reason.
    Rejected,
}

impl Stored for OcopStatus {
    const WHAT: &'static str = "OCOP status";
    const ALL: &'static [Self] = &[
        OcopStatus::Unverified,
        OcopStatus::Verified,
        OcopStatus::Rejected,
    ];
    fn as_str(self) -> &'static str {
        match self {
            OcopStatus::Unverified => "unverified",
            OcopStatus::Verified => "verified",
            OcopStatus::Rejected => "rejected",
        }
    }
}

/// An OCOP certificate as a vendor claims it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OcopInput {
    /// 3, 4 or 5.
    pub stars: u8,
    /// Certificate or decision number, e.g. `1234/QĐ-UBND`.
    pub certificate_no: String,
    /// Issuing body; defaults to `national` for 5 stars, `province` otherwise.
    pub issuer: Option<OcopIssuer>,
    /// Date of issue (not in the future).
    pub issued_on: NaiveDate,
    /// Last day of validity; defaults to 36 months after issue.
    pub expires_on: Option<NaiveDate>,
}

/// A validated OCOP claim, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcopClaim {
    /// Stars.
    pub stars: u8,
    /// Certificate number.
    pub certificate_no: String,
    /// Issuer.
    pub issuer: OcopIssuer,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// Last valid day.
    pub expires_on: NaiveDate,
}

/// The last valid day of a certificate issued on `issued_on`: 36 months later, less a day.
pub fn default_expiry(issued_on: NaiveDate) -> NaiveDate {
    issued_on
        .checked_add_months(Months::new(OCOP_VALIDITY_MONTHS))
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

impl OcopInput {
    /// Checks the claim against the programme's rules, recording problems under `field.*`.
    pub fn validate(&self, v: &mut Validator, field: &str, today: NaiveDate) -> Option<OcopClaim> {
        let errors_before = v.error_count();
        if !(3..=5).contains(&self.stars) {
            v.add(
                &format!("{field}.stars"),
                FieldCode::NotOneOf,
                "must be 3, 4 or 5",
            );
        }
        let issuer = self.issuer.unwrap_or(if self.stars == 5 {
            OcopIssuer::National
        } else {
            OcopIssuer::Province
        });
        if self.stars == 5 && issuer != OcopIssuer::National {
            v.add(
                &format!("{field}.issuer"),
                FieldCode::WrongIssuer,
                "5-star certificates are issued only by the national council",
            );
        }
        if self.stars < 5 && issuer == OcopIssuer::National {
            v.add(
                &format!("{field}.issuer"),
                FieldCode::WrongIssuer,
                "3- and 4-star certificates are issued by the province",
            );
        }
        let number = v.text(
            &format!("{field}.certificate_no"),
            &self.certificate_no,
            1,
            64,
        );
        if self.issued_on > today {
            v.add(
                &format!("{field}.issued_on"),
                FieldCode::InTheFuture,
                "must not be in the future",
            );
        }
        let expires_on = self
            .expires_on
            .unwrap_or_else(|| default_expiry(self.issued_on));
        if expires_on <= self.issued_on {
            v.add(
                &format!("{field}.expires_on"),
                FieldCode::BeforeOther,
                "must be after issued_on",
            );
        }
        (v.error_count() == errors_before).then_some(OcopClaim {
            stars: self.stars,
            certificate_no: number,
            issuer,
            issued_on: self.issued_on,
            expires_on,
        })
    }
}

/// A product's OCOP certificate as its viewer may see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ocop {
    /// Stars.
    pub stars: u8,
    /// Certificate number.
    pub certificate_no: String,
    /// Issuer.
    pub issuer: OcopIssuer,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// Last valid day.
    pub expires_on: NaiveDate,
    /// Whether the public sees the stars now: verified and not expired.
    pub valid: bool,
    /// Review status (members and admins only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<OcopStatus>,
    /// Why it was rejected (members and admins only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
}

/// A reference to a product's stall.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StallRef {
    /// Id.
    pub id: Uuid,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
}

/// A reference to a category.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryRef {
    /// Id.
    pub id: Uuid,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
}

/// A product as a listing card or a search hit shows it. Every field is also a field of
/// `Product`, with the same name and shape (the product's `rating` adds its `distribution`).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductSummary {
    /// Id.
    pub id: Uuid,
    /// URL slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Price in whole đồng: its cheapest variant's regular price.
    pub price: i64,
    /// Its dearest variant's price.
    pub price_max: i64,
    /// The lowest price in force over its variants (a sale's during its window), what a
    /// cart charges for its cheapest variant now; `price` when none is on sale.
    pub price_in_force: i64,
    /// Whether any of its variants is in stock.
    pub in_stock: bool,
    /// Unit of sale, e.g. "chai 500 ml".
    pub unit: String,
    /// The cover image.
    pub image: Option<String>,
    /// Stars of a verified certificate valid today, else null.
    pub ocop_stars: Option<u8>,
    /// Units sold.
    pub sales_count: i64,
    /// What its buyers' reviews give it: the average of their stars (null when none) and how
    /// many.
    pub rating: crate::ratings::Rating,
    /// Its category.
    pub category: CategoryRef,
    /// Where it comes from: its origin commune, else its stall's.
    pub commune: Option<Commune>,
    /// The stall selling it.
    pub stall: StallRef,
}

/// A product as its viewer may see it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    /// Id.
    pub id: Uuid,
    /// URL slug.
    pub slug: String,
    /// The stall selling it.
    pub stall: StallRef,
    /// Its category.
    pub category: CategoryRef,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Price in whole đồng: its cheapest variant's.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub price: Money,
    /// Its dearest variant's price (`price` when it has one variant, or all cost the same).
    pub price_max: i64,
    /// The lowest price in force over its variants now (a sale's during its window; see
    /// each variant's `price_in_force` and `on_sale`); `price` when none is on sale.
    pub price_in_force: i64,
    /// Unit of sale, e.g. "chai 500 ml".
    pub unit: String,
    /// Units in stock (of all its variants).
    pub stock: i64,
    /// Whether any of its variants is in stock.
    pub in_stock: bool,
    /// The ways it is sold, the first being its default (whose id is the product's for a
    /// product listed before variants). `price` is the lowest of theirs, `stock` their sum.
    pub variants: Vec<crate::variant::Variant>,
    /// The cover image (the first of `images`), as listings and search hits show it.
    pub image: Option<String>,
    /// Image URLs (a photo uploaded to the stall, named by its id, as the URL of its large
    /// rendition).
    pub images: Vec<String>,
    /// Where it comes from: `origin_commune`, else its stall's commune (what the `commune`
    /// filter and facet of search count).
    pub commune: Option<Commune>,
    /// Where it is made, when its stall says (null: at the stall).
    pub origin_commune: Option<Commune>,
    /// Shipping weight.
    pub weight_grams: Option<i32>,
    /// Stars the public sees now (a verified, unexpired certificate), else null.
    pub ocop_stars: Option<u8>,
    /// The certificate: for the public only while valid; for members and admins always.
    pub ocop: Option<Ocop>,
    /// What its label states (`{}` when nothing).
    pub facts: ProductFacts,
    /// The facts its category requires that it does not state, as `facts.<key>` (members and
    /// admins only): a product listed before the requirement stays visible, and its stall
    /// completes these; an edit of its facts or category must leave none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(example = json!(["facts.nutrition.sodium_mg", "facts.shelf_life"]))
    )]
    pub missing_facts: Option<Vec<String>>,
    /// The kinds of business documents its category requires that its stall does not hold
    /// verified and unexpired (members and admins only): while any is missing, the public
    /// does not see the product. See `GET /api/v1/stalls/{id}/documents`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = json!(["food_safety"])))]
    pub missing_documents: Option<Vec<String>>,
    /// Listed or archived.
    pub status: ProductStatus,
    /// Hidden by an administrator.
    pub hidden: bool,
    /// Why (members and admins only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden_reason: Option<String>,
    /// Units sold.
    pub sales_count: i64,
    /// What its buyers' reviews give it: the average of their stars (null when none), how
    /// many, and how many give each number of stars.
    pub rating: crate::ratings::ProductRating,
    /// Send back with edits; a stale version is refused.
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A new product.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    /// 3 to 150 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 3, max_length = 150))]
    pub name: String,
    /// Up to 10000 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 10000))]
    pub description: String,
    /// A category id.
    pub category_id: Uuid,
    /// Whole đồng, 1 to 1 000 000 000: the price of its one variant (required without
    /// `variants`, refused with them); the regular price, before any sale.
    pub price: Option<i64>,
    /// A sale of its one variant (refused with `variants`): as a variant's `sale_price`.
    #[cfg_attr(feature = "openapi", schema(example = 102000))]
    pub sale_price: Option<i64>,
    /// As a variant's `sale_starts_at`.
    #[cfg_attr(feature = "openapi", schema(example = "2026-12-10T00:00:00Z"))]
    pub sale_starts_at: Option<DateTime<Utc>>,
    /// As a variant's `sale_ends_at`.
    #[cfg_attr(feature = "openapi", schema(example = "2026-12-20T00:00:00Z"))]
    pub sale_ends_at: Option<DateTime<Utc>>,
    /// Unit of sale, 1 to 50 characters, e.g. "chai 500 ml".
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 50))]
    pub unit: String,
    /// 0 to 1 000 000: the stock of its one variant (required without `variants`, refused
    /// with them).
    pub stock: Option<i64>,
    /// Its pack sizes, 1 to 50, the first being the default (without: one variant named
    /// after `unit`, of `price` and `stock`).
    #[cfg_attr(feature = "openapi", schema(max_items = 50))]
    pub variants: Option<Vec<crate::variant::VariantInput>>,
    /// Up to 10 photo ids or http(s) URLs; the first is the cover.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub images: Vec<String>,
    /// Commune code where it is made.
    pub origin_commune_code: Option<String>,
    /// Shipping weight, 1 to 1 000 000 g.
    pub weight_grams: Option<i32>,
    /// The OCOP certificate, if the product has one.
    pub ocop: Option<OcopInput>,
    /// What its label states; those its category requires must be given (missing → 422
    /// naming each `facts.<key>`).
    #[serde(default)]
    pub facts: Option<ProductFacts>,
}

/// Changes to a product; absent fields stay as they are; `version` is the one read.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    /// The version the editor read.
    pub version: i32,
    /// New name.
    #[cfg_attr(feature = "openapi", schema(min_length = 3, max_length = 150))]
    pub name: Option<String>,
    /// New description.
    #[cfg_attr(feature = "openapi", schema(max_length = 10000))]
    pub description: Option<String>,
    /// New category.
    pub category_id: Option<Uuid>,
    /// New price of its one variant (a product of several variants changes each in
    /// `variants`). A sale not yet over must still be valid with it.
    pub price: Option<i64>,
    /// A new sale of its one variant (as `price`), given with `sale_starts_at` and
    /// `sale_ends_at`; the three `null` end its sale; absent, the sale stays.
    #[serde(default, deserialize_with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, example = 102000))]
    pub sale_price: Option<Option<i64>>,
    /// As `sale_price`.
    #[serde(default, deserialize_with = "double_option")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<DateTime<Utc>>, example = "2026-12-10T00:00:00Z")
    )]
    pub sale_starts_at: Option<Option<DateTime<Utc>>>,
    /// As `sale_price`.
    #[serde(default, deserialize_with = "double_option")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<DateTime<Utc>>, example = "2026-12-20T00:00:00Z")
    )]
    pub sale_ends_at: Option<Option<DateTime<Utc>>>,
    /// New unit.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 50))]
    pub unit: Option<String>,
    /// New stock of its one variant (as `price`).
    pub stock: Option<i64>,
    /// Its variants, whole: those with an `id` are changed, those without are added, and
    /// those not named are removed (their lines leave carts; orders keep what they sold).
    #[cfg_attr(feature = "openapi", schema(max_items = 50))]
    pub variants: Option<Vec<crate::variant::VariantInput>>,
    /// New images (replaces the list).
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub images: Option<Vec<String>>,
    /// New origin commune; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub origin_commune_code: Option<Option<String>>,
    /// New weight; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i32>))]
    pub weight_grams: Option<Option<i32>>,
    /// A new certificate (back to `unverified`); `null` withdraws the claim.
    #[serde(default, deserialize_with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<OcopInput>))]
    pub ocop: Option<Option<OcopInput>>,
    /// New facts (replace the whole set); with a new category, those it requires must all be
    /// stated.
    pub facts: Option<ProductFacts>,
}

impl NewProduct {
    /// The sale of its one variant, as given.
    pub fn sale_input(&self) -> crate::sale::SaleInput {
        crate::sale::SaleInput {
            price: self.sale_price,
            starts_at: self.sale_starts_at,
            ends_at: self.sale_ends_at,
        }
    }
}

impl ProductPatch {
    /// The new sale of its one variant: `None` when no sale field is given (the sale stays);
    /// empty when those given are all `null` (the sale ends).
    pub fn sale_change(&self) -> Option<crate::sale::SaleInput> {
        if self.sale_price.is_none() && self.sale_starts_at.is_none() && self.sale_ends_at.is_none()
        {
            return None;
        }
        Some(crate::sale::SaleInput {
            price: self.sale_price.flatten(),
            starts_at: self.sale_starts_at.flatten(),
            ends_at: self.sale_ends_at.flatten(),
        })
    }
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// Field rules shared by creation and edits; each records problems on `v`.
pub(crate) mod rules {
    use super::*;

    pub fn name(v: &mut Validator, value: &str) -> String {
        v.text("name", value, 3, 150)
    }

    pub fn description(v: &mut Validator, value: &str) -> String {
        v.text("description", value, 0, 10_000)
    }

    pub fn unit(v: &mut Validator, value: &str) -> String {
        v.text("unit", value, 1, 50)
    }

    pub fn price(v: &mut Validator, value: i64) {
        v.check(
            (1..=MAX_PRICE).contains(&value),
            "price",
            FieldCode::OutOfRange,
            format!("must be a whole number of đồng from 1 to {MAX_PRICE}"),
        );
    }

    pub fn stock(v: &mut Validator, value: i64) {
        v.check(
            (0..=MAX_STOCK).contains(&value),
            "stock",
            FieldCode::OutOfRange,
            format!("must be from 0 to {MAX_STOCK}"),
        );
    }

    pub fn weight(v: &mut Validator, value: Option<i32>) {
        if let Some(w) = value {
            v.check(
                (1..=1_000_000).contains(&w),
                "weight_grams",
                FieldCode::OutOfRange,
                "must be from 1 to 1000000",
            );
        }
    }

    pub fn images(v: &mut Validator, images: &[String]) -> Vec<String> {
        if images.len() > MAX_IMAGES {
            v.add(
                "images",
                FieldCode::TooMany,
                format!("at most {MAX_IMAGES} images"),
            );
        }
        crate::photos::image_entries(v, "images", images)
    }

    pub fn commune(v: &mut Validator, regions: &Regions, field: &str, code: &str) {
        v.check(
            regions.get(code).is_some(),
            field,
            FieldCode::UnknownCommune,
            "is not a commune of this province (see GET /api/v1/regions)",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn claim(stars: u8, issuer: Option<OcopIssuer>) -> OcopInput {
        OcopInput {
            stars,
            certificate_no: "1234/QĐ-UBND".into(),
            issuer,
            issued_on: d("2025-03-01"),
            expires_on: None,
        }
    }

    #[test]
    fn certificates_last_36_months() {
        assert_eq!(default_expiry(d("2025-03-01")), d("2028-02-29"));
        assert_eq!(default_expiry(d("2024-01-31")), d("2027-01-30"));
    }

    #[test]
    fn ocop_rules() {
        let today = d("2026-11-28");
        let mut v = Validator::new();
        let c = claim(4, None).validate(&mut v, "ocop", today).unwrap();
        assert_eq!(c.issuer, OcopIssuer::Province);
        assert_eq!(c.expires_on, d("2028-02-29"));
        let c = claim(5, None).validate(&mut v, "ocop", today).unwrap();
        assert_eq!(c.issuer, OcopIssuer::National);
        assert!(v.is_ok());

        for (input, field) in [
            (claim(2, None), "ocop.stars"),
            (claim(6, None), "ocop.stars"),
            (claim(5, Some(OcopIssuer::Province)), "ocop.issuer"),
            (claim(3, Some(OcopIssuer::National)), "ocop.issuer"),
            (
                OcopInput {
                    issued_on: d("2027-01-01"),
                    ..claim(4, None)
                },
                "ocop.issued_on",
            ),
            (
                OcopInput {
                    expires_on: Some(d("2025-01-01")),
                    ..claim(4, None)
                },
                "ocop.expires_on",
            ),
            (
                OcopInput {
                    certificate_no: " ".into(),
                    ..claim(4, None)
                },
                "ocop.certificate_no",
            ),
        ] {
            let mut v = Validator::new();
            assert!(input.validate(&mut v, "ocop", today).is_none(), "{field}");
            let e = v.finish().unwrap_err();
            assert_eq!(e.fields[0].field, field);
        }
    }

    #[test]
    fn image_urls_must_be_http() {
        let mut v = Validator::new();
        let ok = rules::images(&mut v, &["https://anh.example.vn/a.jpg ".into()]);
        assert_eq!(ok, ["https://anh.example.vn/a.jpg"]);
        assert!(v.is_ok());
        for bad in [
            "javascript:alert(1)",
            "ftp://x/y",
            "https://",
            "http:///x",
            "https://a b",
        ] {
            let mut v = Validator::new();
            rules::images(&mut v, &[bad.into()]);
            assert!(!v.is_ok(), "{bad}");
        }
        let mut v = Validator::new();
        rules::images(&mut v, &vec!["https://a.vn/x.jpg".to_owned(); 11]);
        assert!(!v.is_ok());
    }

    #[test]
    fn price_and_stock_bounds() {
        let mut v = Validator::new();
        rules::price(&mut v, 1);
        rules::price(&mut v, MAX_PRICE);
        rules::stock(&mut v, 0);
        assert!(v.is_ok());
        for p in [0, -5, MAX_PRICE + 1] {
            let mut v = Validator::new();
            rules::price(&mut v, p);
            assert!(!v.is_ok(), "{p}");
        }
        let mut v = Validator::new();
        rules::stock(&mut v, -1);
        assert!(!v.is_ok());
    }

    #[test]
    fn stored_forms_read_back_and_are_the_json_forms() {
        fn round_trips<T: Stored + PartialEq + std::fmt::Debug + Serialize>() {
            for v in T::ALL {
                assert_eq!(common::stored::<T>(v.as_str()).unwrap(), *v);
                assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
            }
        }
        round_trips::<ProductStatus>();
        round_trips::<OcopIssuer>();
        round_trips::<OcopStatus>();
    }

    #[test]
    fn a_corrupt_stored_value_is_an_internal_error_not_a_default() {
        for bad in ["", "Active", "active ", "hidden", "verified\u{0}"] {
            let e = common::stored::<ProductStatus>(bad).unwrap_err();
            assert_eq!(e.kind, common::ErrorKind::Internal, "{bad:?}");
            assert!(common::stored::<OcopIssuer>(bad).is_err(), "{bad:?}");
            assert!(common::stored::<OcopStatus>(bad).is_err(), "{bad:?}");
        }
    }
}
