//! What a search asks and what it gets back, independent of the engine.

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

/// Orders of product results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(rename_all = "snake_case"))]
pub enum ProductSort {
    /// Best match first (newest first without a query).
    #[default]
    Relevance,
    /// Cheapest first.
    PriceAsc,
    /// Dearest first.
    PriceDesc,
    /// Newest first.
    Newest,
    /// Most sold first.
    Bestselling,
    /// Best rated first: the highest average of its reviews' stars (rounded to one decimal,
    /// as shown), then the most reviews; products no review rates last.
    Rating,
}

impl ProductSort {
    /// Parses the API's names.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "relevance" => ProductSort::Relevance,
            "price_asc" => ProductSort::PriceAsc,
            "price_desc" => ProductSort::PriceDesc,
            "newest" => ProductSort::Newest,
            "bestselling" => ProductSort::Bestselling,
            "rating" => ProductSort::Rating,
            _ => return None,
        })
    }
}

/// A product search with typed filters (never text pasted into a filter expression).
#[derive(Clone, Debug, Default)]
pub struct ProductQuery {
    /// The words typed; empty for browsing.
    pub text: String,
    /// Only this category or its descendants (by slug).
    pub category: Option<String>,
    /// Only this commune.
    pub commune: Option<String>,
    /// At least this many OCOP stars (valid on `today`).
    pub min_stars: Option<u8>,
    /// At least this average of its reviews' stars (as shown, rounded to one decimal);
    /// products no review rates never match.
    pub min_rating: Option<u8>,
    /// Lowest price.
    pub price_min: Option<i64>,
    /// Highest price.
    pub price_max: Option<i64>,
    /// Only this stall.
    pub stall: Option<Uuid>,
    /// Order.
    pub sort: ProductSort,
    /// Results to skip.
    pub offset: usize,
    /// Results to return.
    pub limit: usize,
    /// Today as `yyyymmdd`, for certificate validity.
    pub today: i64,
    /// Only the top hits, by relevance: no facets and no exact total (`total` is the number of
    /// hits), for suggestions as the buyer types.
    pub lean: bool,
}

/// A stall search.
#[derive(Clone, Debug, Default)]
pub struct StallQuery {
    /// The words typed.
    pub text: String,
    /// Only this commune.
    pub commune: Option<String>,
    /// Results to skip.
    pub offset: usize,
    /// Results to return.
    pub limit: usize,
}

/// The filters a buyer narrows by and the engines count facets of. Counts are disjunctive:
/// a group's counts are taken as if that group were not filtered (the other groups' filters
/// still apply), so a filter sidebar shows what choosing another value would find.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FacetGroup {
    /// By category (the filter includes subcategories; the counts are by a product's own).
    Category,
    /// By commune.
    Commune,
    /// By OCOP stars.
    Stars,
}

impl ProductQuery {
    /// The facet groups this query filters by, each needing its own count.
    pub fn filtered_groups(&self) -> Vec<FacetGroup> {
        let mut out = Vec::new();
        if self.category.is_some() {
            out.push(FacetGroup::Category);
        }
        if self.commune.is_some() {
            out.push(FacetGroup::Commune);
        }
        if self.min_stars.is_some() {
            out.push(FacetGroup::Stars);
        }
        out
    }

    /// The same query without the filter of `group`: what that group's counts are taken over.
    pub fn without(&self, group: FacetGroup) -> Self {
        let mut q = self.clone();
        match group {
            FacetGroup::Category => q.category = None,
            FacetGroup::Commune => q.commune = None,
            FacetGroup::Stars => q.min_stars = None,
        }
        q
    }
}

/// Facet counts, as an engine answers them: value → number of matching documents. A filtered
/// group's counts are disjunctive (see [`FacetGroup`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    /// By category slug.
    pub category: BTreeMap<String, u64>,
    /// By commune code.
    pub commune: BTreeMap<String, u64>,
    /// By OCOP stars (`3`, `4`, `5`).
    pub ocop_stars: BTreeMap<String, u64>,
}

impl Facets {
    /// The counts of one group.
    pub fn group_mut(&mut self, group: FacetGroup) -> &mut BTreeMap<String, u64> {
        match group {
            FacetGroup::Category => &mut self.category,
            FacetGroup::Commune => &mut self.commune,
            FacetGroup::Stars => &mut self.ocop_stars,
        }
    }
}

/// An engine's answer.
#[derive(Clone, Debug, Default)]
pub struct SearchResult<T> {
    /// The page of hits, best first.
    pub hits: Vec<T>,
    /// How many documents matched in all.
    pub total: u64,
    /// Counts for the filters a buyer can narrow by.
    pub facets: Facets,
}
