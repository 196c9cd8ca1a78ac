//! The `products` table, with the product's OCOP claim in the `ocop_*` columns and its label's
//! facts in `facts`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub stall_id: Uuid,
    pub category_id: Uuid,
    pub name: String,
    pub description: String,
    /// Its cheapest variant's price.
    pub price: i64,
    /// Its dearest variant's price.
    pub price_max: i64,
    /// The lowest price in force over its variants (a sale's, during its window), as of its
    /// last write or the last sale boundary the job saw: what sorts and search read.
    pub price_now: i64,
    /// The highest price in force over its variants, likewise.
    pub price_now_max: i64,
    pub unit: String,
    pub stock: i64,
    pub images: String,
    pub origin_commune_code: Option<String>,
    pub weight_grams: Option<i32>,
    pub status: String,
    pub hidden: bool,
    pub hidden_reason: Option<String>,
    pub sales_count: i64,
    pub version: i32,
    pub ocop_stars: Option<i16>,
    pub ocop_certificate_no: Option<String>,
    pub ocop_issuer: Option<String>,
    pub ocop_issued_on: Option<Date>,
    pub ocop_expires_on: Option<Date>,
    pub ocop_status: Option<String>,
    pub ocop_status_reason: Option<String>,
    pub ocop_reviewed_at: Option<DateTimeUtc>,
    /// What the label states (`facts::ProductFacts` as JSON); null: nothing.
    #[sea_orm(column_type = "Text", nullable)]
    pub facts: Option<String>,
    /// The kinds of documents its category requires that its stall lacks (a JSON array of
    /// keys); null: none. A product lacking one is not public.
    #[sea_orm(column_type = "Text", nullable)]
    pub missing_documents: Option<String>,
    /// How many reviews rate it (see [`crate::ratings`]).
    pub rating_count: i64,
    /// The sum of their stars.
    pub rating_sum: i64,
    /// How many of them give 1 star.
    pub rating_1: i64,
    /// How many of them give 2 stars.
    pub rating_2: i64,
    /// How many of them give 3 stars.
    pub rating_3: i64,
    /// How many of them give 4 stars.
    pub rating_4: i64,
    /// How many of them give 5 stars.
    pub rating_5: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Where the product comes from: its origin commune, else that of its stall `s` (what
    /// product pages show as `commune` and search filters and counts by).
    pub fn commune_code<'a>(&'a self, s: &'a super::stall::Model) -> &'a str {
        self.origin_commune_code
            .as_deref()
            .unwrap_or(&s.commune_code)
    }
}
