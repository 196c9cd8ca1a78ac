//! Search documents: what each engine stores for a product or a stall, built from the current
//! state of the catalogue. Only approved stalls and their active, unhidden products have one.

use std::collections::HashMap;

use catalog::{
    Regions,
    indexing::{Category, Product, Stall},
    ratings::Rating,
};
use chrono::{Datelike, NaiveDate};
use common::text::{fold, nfc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A product as the engines index it. A hit read back from Meilisearch carries only what an
/// answer shows (the fields marked `default` are left out of it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductDoc {
    /// Id (the primary key).
    pub id: Uuid,
    /// Slug.
    pub slug: String,
    /// Name as written.
    pub name: String,
    /// Name without diacritics, so engines that keep them still match folded queries.
    #[serde(default)]
    pub name_folded: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Price in đồng: the lowest price in force over its variants when indexed (a sale's
    /// during its window), what sorts and price filters read.
    pub price: i64,
    /// The highest price in force over its variants (documents indexed before variants: 0,
    /// read as `price`).
    #[serde(default)]
    pub price_max: i64,
    /// Its cheapest variant's regular price, before any sale (documents indexed before sales:
    /// 0, read as `price`).
    #[serde(default)]
    pub regular_price: i64,
    /// Its dearest variant's regular price (0: read as `price_max`).
    #[serde(default)]
    pub regular_price_max: i64,
    /// Whether any of its variants is in stock (documents indexed before: true).
    #[serde(default = "yes")]
    pub in_stock: bool,
    /// Unit of sale.
    pub unit: String,
    /// First image.
    pub image: Option<String>,
    /// Stars of a verified certificate valid when indexed (0: none).
    pub ocop_stars: u8,
    /// Last valid day of that certificate as `yyyymmdd` (0: none); searches check it, so a
    /// certificate that lapses stops counting before the document is refreshed.
    pub ocop_valid_until: i64,
    /// Where it is made (the stall's commune when the product names none).
    pub commune_code: String,
    /// Its category's id (absent from documents indexed before it was added: `reindex`
    /// fills it).
    #[serde(default)]
    pub category_id: Option<Uuid>,
    /// Its category's slug.
    pub category_slug: String,
    /// Its category's slug and every ancestor's, for filtering by a parent category.
    #[serde(default)]
    pub category_path: Vec<String>,
    /// Its category's name.
    pub category_name: String,
    /// Its stall's id.
    pub stall_id: Uuid,
    /// Its stall's slug.
    pub stall_slug: String,
    /// Its stall's name.
    pub stall_name: String,
    /// Created, as Unix seconds (for `newest`).
    #[serde(default)]
    pub created_at: i64,
    /// Units sold (for `bestselling`).
    pub sales_count: i64,
    /// Its reviews' average stars, rounded to one decimal; 0 when none (documents indexed
    /// before ratings: 0). `rating` sorts by it, then by `rating_count`; `min_rating` filters.
    #[serde(default)]
    pub rating_average: f64,
    /// How many reviews rate it.
    #[serde(default)]
    pub rating_count: i64,
}

/// A stall as the engines index it. A hit read back from Meilisearch carries only what an
/// answer shows (the fields marked `default` are left out of it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StallDoc {
    /// Id.
    pub id: Uuid,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Name without diacritics.
    #[serde(default)]
    pub name_folded: String,
    /// Description.
    pub description: String,
    /// Commune code.
    pub commune_code: String,
    /// Commune name.
    pub commune_name: String,
    /// Legal form.
    #[serde(default)]
    pub business_type: String,
    /// When it was approved, as Unix seconds.
    #[serde(default)]
    pub approved_at: i64,
    /// Its products' reviews' average stars, rounded to one decimal; 0 when none.
    #[serde(default)]
    pub rating_average: f64,
    /// How many reviews rate its products.
    #[serde(default)]
    pub rating_count: i64,
}

fn yes() -> bool {
    true
}

/// The rating a document carries (an average of 0 is none), as hits show it.
pub fn rating_of(average: f64, count: i64) -> Rating {
    Rating {
        average: (count > 0 && average > 0.0).then_some(average),
        count: count.max(0),
    }
}

/// The key the embedded engine sorts `rating` by, one number: the average in tenths first,
/// then the count (up to a trillion reviews).
pub fn rating_rank(average: f64, count: i64) -> i64 {
    let tenths = (average * 10.0).round().clamp(0.0, 50.0) as i64;
    tenths * 1_000_000_000_000 + count.clamp(0, 999_999_999_999)
}

/// `yyyymmdd` for a date: comparable as a number.
pub fn day_number(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

pub use catalog::visibility::product_is_public as product_visible;

/// Builds a product's document; `categories` holds every category (for the path).
pub fn product_doc(
    p: &Product,
    s: &Stall,
    categories: &HashMap<Uuid, Category>,
    today: NaiveDate,
) -> ProductDoc {
    let mut path = Vec::new();
    let mut cursor = categories.get(&p.category_id);
    while let Some(c) = cursor {
        if path.contains(&c.slug) || path.len() > 16 {
            break;
        }
        path.push(c.slug.clone());
        cursor = c.parent_id.and_then(|id| categories.get(&id));
    }
    let category = categories.get(&p.category_id);
    let valid_until = catalog::visibility::stars_valid_until(p, today);
    let images = catalog::photos::image_urls(&p.images);
    ProductDoc {
        id: p.id,
        slug: p.slug.clone(),
        name: nfc(&p.name).into_owned(),
        name_folded: fold(&p.name),
        description: nfc(&p.description).into_owned(),
        price: p.price_now,
        price_max: p.price_now_max.max(p.price_now),
        regular_price: p.price,
        regular_price_max: p.price_max.max(p.price),
        in_stock: p.stock > 0,
        unit: p.unit.clone(),
        image: images.into_iter().next(),
        ocop_stars: valid_until
            .and(p.ocop_stars)
            .and_then(|s| u8::try_from(s).ok())
            .unwrap_or(0),
        ocop_valid_until: valid_until.map_or(0, day_number),
        commune_code: p.commune_code(s).to_owned(),
        category_id: Some(p.category_id),
        category_slug: category.map(|c| c.slug.clone()).unwrap_or_default(),
        category_path: path,
        category_name: category.map(|c| c.name.clone()).unwrap_or_default(),
        stall_id: s.id,
        stall_slug: s.slug.clone(),
        stall_name: nfc(&s.name).into_owned(),
        created_at: p.created_at.timestamp(),
        sales_count: p.sales_count,
        rating_average: Rating::of_product(p).average.unwrap_or(0.0),
        rating_count: p.rating_count,
    }
}

/// Builds a stall's document.
pub fn stall_doc(s: &Stall, regions: &Regions) -> StallDoc {
    StallDoc {
        id: s.id,
        slug: s.slug.clone(),
        name: nfc(&s.name).into_owned(),
        name_folded: fold(&s.name),
        description: nfc(&s.description).into_owned(),
        commune_code: s.commune_code.clone(),
        commune_name: regions
            .get(&s.commune_code)
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        business_type: s.business_type.clone(),
        approved_at: s.approved_at.map_or(0, |t| t.timestamp()),
        rating_average: Rating::of_stall(s).average.unwrap_or(0.0),
        rating_count: s.rating_count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_compare_like_dates() {
        let a = day_number("2026-11-28".parse().unwrap());
        let b = day_number("2027-01-01".parse().unwrap());
        assert_eq!(a, 20_261_128);
        assert!(a < b);
    }
}
