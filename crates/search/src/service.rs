//! Search as the API offers it: parameters checked and turned into typed queries, hits shaped
//! for buyers, with the engine's time.

use std::{collections::BTreeMap, sync::Arc, time::Instant};

use catalog::{
    Catalog,
    product::{CategoryRef, ProductSummary, StallRef},
    region::Commune,
    stall::StallSummary,
};
use common::{Error, FieldCode, FieldError, PageRequest};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use crate::{
    SearchEngine,
    document::{ProductDoc, StallDoc, day_number},
    misses::Misses,
    query::{Facets, ProductQuery, ProductSort, StallQuery},
    vocabulary::Vocabulary,
};

/// Longest query accepted, in characters.
pub const MAX_QUERY: usize = 200;
/// Only the first this many hits of a search can be paged to (`page × per_page`), as with
/// Meilisearch's default `maxTotalHits`: a deep page costs an engine work and memory for every
/// hit before it. Beyond: 422 naming `page`.
pub const MAX_SEARCH_WINDOW: u64 = 1000;

/// Longest partial query a suggestion is made for, in characters.
pub const MAX_SUGGEST_QUERY: usize = 100;
/// Products, stalls and categories in one suggestion answer.
const SUGGEST_PRODUCTS: usize = 5;
const SUGGEST_STALLS: usize = 3;
const SUGGEST_CATEGORIES: usize = 3;

/// Parameters of `GET /search/suggest`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct SuggestSearch {
    /// What the buyer has typed so far (1 to 100 characters), with or without diacritics; the
    /// last word may be unfinished.
    #[cfg_attr(
        feature = "openapi",
        param(min_length = 1, max_length = 100, example = "nuoc ma")
    )]
    pub q: String,
}

/// Suggestions for a partial query, from the public catalogue: product names, stalls and
/// categories, each best first.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestions {
    /// Up to 5 products.
    pub products: Vec<ProductSummary>,
    /// Up to 3 stalls.
    pub stalls: Vec<StallSummary>,
    /// Up to 3 categories.
    pub categories: Vec<CategoryRef>,
}

/// Whether every typed word is one of `words` (a name's, folded), the last perhaps unfinished,
/// a word of four letters or more with one typo when it is no word of the catalogue (`known`):
/// `nuoc` is a word of its own, not a typo of `duoc`.
fn words_match(words: &[String], typed: &[String], known: impl Fn(&str) -> bool) -> bool {
    let last = typed.len().saturating_sub(1);
    typed.iter().enumerate().all(|(i, t)| {
        words.iter().any(|w| {
            w == t
                || (i == last && w.starts_with(t.as_str()))
                || (t.chars().count() >= 4
                    && !known(t)
                    && crate::vocabulary::edits(w, t, 1).is_some())
        })
    })
}

/// Parameters of `GET /search/products`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct ProductSearch {
    /// Words, with or without diacritics (at most 200 characters).
    #[cfg_attr(feature = "openapi", param(max_length = 200, example = "mật ong"))]
    pub q: Option<String>,
    /// Category id or slug; its subcategories are included.
    pub category: Option<String>,
    /// Commune code.
    pub commune: Option<String>,
    /// Minimum OCOP stars (3 to 5), of a verified, valid certificate.
    #[cfg_attr(feature = "openapi", param(minimum = 3, maximum = 5))]
    pub ocop_stars: Option<u8>,
    /// Minimum average of its buyers' reviews (1 to 5 stars, as the rating shows it, rounded
    /// to one decimal); a product no review rates does not match.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 5, example = 4))]
    pub min_rating: Option<u8>,
    /// Lowest price in đồng. A product's prices run from its cheapest variant's to its
    /// dearest's, each the price in force (a sale's during its window); it matches when that
    /// range meets `price_min..price_max` (sorting by `price_asc` reads the cheapest,
    /// `price_desc` the dearest).
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub price_min: Option<i64>,
    /// Highest price in đồng (not below `price_min`).
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub price_max: Option<i64>,
    /// Stall id or slug.
    pub stall: Option<String>,
    /// `relevance` (default), `price_asc`, `price_desc`, `newest`, `bestselling` or `rating`
    /// (the best average of its reviews first, then the most reviews; unrated last).
    #[cfg_attr(feature = "openapi", param(value_type = Option<crate::query::ProductSort>))]
    pub sort: Option<String>,
    /// Page number.
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub page: Option<u64>,
    /// Page size (1 to 100).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub per_page: Option<u64>,
}

/// Parameters of `GET /search/stalls`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct StallSearch {
    /// Words (at most 200 characters).
    #[cfg_attr(feature = "openapi", param(max_length = 200, example = "nước mắm"))]
    pub q: Option<String>,
    /// Commune code.
    pub commune: Option<String>,
    /// Page number.
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub page: Option<u64>,
    /// Page size (1 to 100).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub per_page: Option<u64>,
}

/// A page of product search results.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Results_ProductSummary))]
pub struct ProductResults {
    /// Hits, best first.
    pub hits: Vec<ProductSummary>,
    /// How many matched.
    pub total: u64,
    /// Page number.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
    /// What a filter sidebar shows: counts by category, commune and OCOP stars, each value
    /// with its label.
    pub facets: ProductFacets,
    /// Time the engine took, in milliseconds.
    pub took_ms: u64,
    /// When a product search finds nothing: the nearest query that does find products (each
    /// word the catalogue does not know replaced by a known one at most two edits away).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<String>,
}

/// A page of stall search results (stalls have no facets).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Results_StallSummary))]
pub struct StallResults {
    /// Hits, best first.
    pub hits: Vec<StallSummary>,
    /// How many matched.
    pub total: u64,
    /// Page number.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
    /// Time the engine took, in milliseconds.
    pub took_ms: u64,
}

/// One value a filter can take, as a filter sidebar shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacetValue {
    /// What the filter takes: a category's slug, a commune's code, a number of stars.
    pub value: String,
    /// What a buyer reads: the category's or the commune's name, "4 sao" ("4 stars").
    pub label: String,
    /// How many products the search finds with this value. In a group the search is
    /// filtered by, the count is as if that group were not filtered (the other filters still
    /// apply): what choosing this value instead would find.
    pub count: u64,
}

/// The facets of a product search. Categories and communes come most products first, stars
/// from 3 up.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductFacets {
    /// By category (`value`: the slug the `category` filter takes). Counted by each
    /// product's own category; a filter by a parent category includes its subcategories.
    pub category: Vec<FacetValue>,
    /// By commune (`value`: the code the `commune` filter takes).
    pub commune: Vec<FacetValue>,
    /// By OCOP stars (`value`: `3`, `4` or `5`; the `ocop_stars` filter takes a minimum).
    pub ocop_stars: Vec<FacetValue>,
}

/// The language facet labels are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Vietnamese.
    Vi,
}

/// `counts` as facet values labelled by `label` (the value itself when it has none), most
/// first, then by label.
fn labelled(
    counts: BTreeMap<String, u64>,
    label: impl Fn(&str) -> Option<String>,
) -> Vec<FacetValue> {
    let mut out: Vec<FacetValue> = counts
        .into_iter()
        .map(|(value, count)| FacetValue {
            label: label(&value).unwrap_or_else(|| value.clone()),
            value,
            count,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    out
}

/// The engine's counts with their labels: category names, commune names, stars in `lang`.
fn product_facets(
    counts: Facets,
    categories: &[NamedCategory],
    catalog: &Catalog,
    lang: Lang,
) -> ProductFacets {
    let mut ocop_stars: Vec<FacetValue> = counts
        .ocop_stars
        .into_iter()
        .map(|(value, count)| FacetValue {
            label: match lang {
                Lang::Vi => format!("{value} sao"),
                Lang::En => format!("{value} stars"),
            },
            value,
            count,
        })
        .collect();
    ocop_stars.sort_by(|a, b| (a.value.len(), &a.value).cmp(&(b.value.len(), &b.value)));
    ProductFacets {
        category: labelled(counts.category, |slug| {
            categories
                .iter()
                .find(|(c, _)| c.slug == slug)
                .map(|(c, _)| c.name.clone())
        }),
        commune: labelled(counts.commune, |code| {
            catalog.regions().get(code).map(|c| c.name.clone())
        }),
        ocop_stars,
    }
}

/// The search service.
#[derive(Clone)]
pub struct Search {
    engine: Arc<dyn SearchEngine>,
    recovery: Arc<std::sync::atomic::AtomicU8>,
    /// The catalogue's words for "did you mean".
    vocabulary: Arc<Kept<Vocabulary>>,
    /// Searches that found nothing.
    misses: Misses,
    /// The categories suggestions match, with the folded words of their names.
    categories: Arc<Kept<Vec<NamedCategory>>>,
}

/// A category and the folded words of its name.
type NamedCategory = (CategoryRef, Vec<String>);

/// How long suggestions use the categories they read (an edit shows within this).
const CATEGORIES_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// A value read from the database and kept for a while: read again once older than `ttl`.
struct Kept<T> {
    ttl: std::time::Duration,
    slot: tokio::sync::Mutex<Option<(Instant, Arc<T>)>>,
}

impl<T> Kept<T> {
    fn new(ttl: std::time::Duration) -> Self {
        Self {
            ttl,
            slot: tokio::sync::Mutex::new(None),
        }
    }

    /// The kept value, or what `read` gives when there is none or it is too old (one reader
    /// at a time; the others wait for its value).
    async fn get<E>(&self, read: impl Future<Output = Result<T, E>>) -> Result<Arc<T>, E> {
        let mut slot = self.slot.lock().await;
        if let Some((at, value)) = slot.as_ref()
            && at.elapsed() < self.ttl
        {
            return Ok(value.clone());
        }
        let value = Arc::new(read.await?);
        *slot = Some((Instant::now(), value.clone()));
        Ok(value)
    }
}

/// How long the words of the catalogue are kept before they are read again.
const VOCABULARY_TTL: std::time::Duration = std::time::Duration::from_secs(300);

/// Where the rebuild of a missing or damaged index stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// The index needed no rebuild, or has been rebuilt.
    Healthy,
    /// The index is being rebuilt from the database; searches may find less until it is done.
    Rebuilding,
}

/// Checks a commune filter against the province's list.
fn commune(v: &mut Vec<FieldError>, catalog: &Catalog, code: Option<&str>) {
    if code.is_some_and(|c| catalog.regions().get(c).is_none()) {
        v.push(FieldError::new(
            "commune",
            FieldCode::UnknownCommune,
            "is not a commune of this province",
        ));
    }
}

/// The page asked for, or the first page with the problems noted.
fn page(v: &mut Vec<FieldError>, page: Option<u64>, per_page: Option<u64>) -> PageRequest {
    PageRequest::within(page, per_page, MAX_SEARCH_WINDOW).unwrap_or_else(|e| {
        v.extend(e.fields);
        PageRequest::default()
    })
}

fn text(v: &mut Vec<FieldError>, q: Option<String>) -> String {
    let q = q.unwrap_or_default();
    if q.chars().count() > MAX_QUERY {
        v.push(FieldError::new(
            "q",
            FieldCode::TooLong,
            format!("must have at most {MAX_QUERY} characters"),
        ));
    }
    q.trim().to_owned()
}

/// The order asked for (relevance when none), noting one that is no sort.
fn sort(v: &mut Vec<FieldError>, sort: Option<&str>) -> ProductSort {
    match sort.map(ProductSort::parse) {
        None => ProductSort::Relevance,
        Some(Some(sort)) => sort,
        Some(None) => {
            v.push(FieldError::new(
                "sort",
                FieldCode::NotOneOf,
                "must be one of relevance, price_asc, price_desc, newest, bestselling, rating",
            ));
            ProductSort::Relevance
        }
    }
}

/// Checks the OCOP stars and the price range of a search.
fn stars_and_prices(v: &mut Vec<FieldError>, p: &ProductSearch) {
    if let Some(s) = p.ocop_stars
        && !(3..=5).contains(&s)
    {
        v.push(FieldError::new(
            "ocop_stars",
            FieldCode::NotOneOf,
            "must be 3, 4 or 5",
        ));
    }
    if let Some(r) = p.min_rating
        && !(1..=5).contains(&r)
    {
        v.push(FieldError::new(
            "min_rating",
            FieldCode::OutOfRange,
            "must be from 1 to 5",
        ));
    }
    for (field, value) in [("price_min", p.price_min), ("price_max", p.price_max)] {
        if value.is_some_and(|v| v < 0) {
            v.push(FieldError::new(
                field,
                FieldCode::OutOfRange,
                "must not be negative",
            ));
        }
    }
    if let (Some(lo), Some(hi)) = (p.price_min, p.price_max)
        && lo > hi
    {
        v.push(FieldError::new(
            "price_max",
            FieldCode::BelowOther,
            "must not be below price_min",
        ));
    }
}

/// The product query and page `p` asks for, or every problem with it, each named by its field.
async fn product_query<C: ConnectionTrait>(
    db: &C,
    catalog: &Catalog,
    mut p: ProductSearch,
) -> Result<(ProductQuery, PageRequest), Error> {
    let mut errors = Vec::new();
    let text = text(&mut errors, p.q.take());
    let sort = sort(&mut errors, p.sort.as_deref());
    stars_and_prices(&mut errors, &p);
    commune(&mut errors, catalog, p.commune.as_deref());
    let category = match &p.category {
        Some(c) => catalog::service::find_category(db, c).await?,
        None => None,
    };
    let category = named(
        &mut errors,
        ("category", FieldCode::UnknownCategory, "is not a category"),
        p.category.is_some(),
        category,
    );
    let stall = match &p.stall {
        Some(s) => catalog::service::find_stall(db, s).await?,
        None => None,
    };
    let stall = named(
        &mut errors,
        ("stall", FieldCode::UnknownStall, "is not a stall"),
        p.stall.is_some(),
        stall,
    );
    let page = page(&mut errors, p.page, p.per_page);
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    let query = ProductQuery {
        text,
        category: category.map(|c| c.slug),
        commune: p.commune,
        min_stars: p.ocop_stars,
        min_rating: p.min_rating,
        price_min: p.price_min,
        price_max: p.price_max,
        stall: stall.map(|s| s.id),
        sort,
        offset: page.offset() as usize,
        limit: page.per_page as usize,
        today: day_number(Catalog::today()),
        lean: false,
    };
    Ok((query, page))
}

/// The category or stall a filter named, noting under `field` (with `code` and `message`) one
/// that was `asked` for and not found.
fn named<T>(
    v: &mut Vec<FieldError>,
    (field, code, message): (&str, FieldCode, &str),
    asked: bool,
    found: Option<T>,
) -> Option<T> {
    if asked && found.is_none() {
        v.push(FieldError::new(field, code, message));
    }
    found
}

impl Search {
    /// Search over `engine`.
    pub fn new(engine: Arc<dyn SearchEngine>) -> Self {
        Self {
            engine,
            recovery: Arc::default(),
            vocabulary: Arc::new(Kept::new(VOCABULARY_TTL)),
            misses: Misses::default(),
            categories: Arc::new(Kept::new(CATEGORIES_TTL)),
        }
    }

    /// Whether the index is being rebuilt after it was found missing or damaged.
    pub fn recovery(&self) -> Recovery {
        match self.recovery.load(std::sync::atomic::Ordering::Relaxed) {
            0 => Recovery::Healthy,
            _ => Recovery::Rebuilding,
        }
    }

    /// Why the index must be rebuilt from the database, if it must: the engine found it
    /// damaged or missing, or it is empty while the public catalogue is not.
    pub async fn needs_rebuild<C: ConnectionTrait>(&self, db: &C) -> Result<Option<String>, Error> {
        if let Some(why) = self.engine.damage() {
            return Ok(Some(why));
        }
        if self.engine.product_count().await? == Some(0) {
            let public = catalog::service::public_product_count(db).await?;
            if public > 0 {
                return Ok(Some(format!(
                    "the index is empty but the catalogue shows {public} products"
                )));
            }
        }
        Ok(None)
    }

    /// Rebuilds the index from the database if [`Search::needs_rebuild`] says so, retrying
    /// every `retry` until it succeeds or `stop` turns true; [`Search::recovery`] says
    /// `Rebuilding` meanwhile. Returns whether it rebuilt.
    pub async fn recover(
        &self,
        db: &sea_orm::DatabaseConnection,
        catalog: &Catalog,
        retry: std::time::Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> bool {
        use std::sync::atomic::Ordering;
        let why = loop {
            match self.needs_rebuild(db).await {
                Ok(None) => return false,
                Ok(Some(why)) => break why,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot tell whether the search index is whole")
                }
            }
            if tokio::time::timeout(retry, stop.wait_for(|s| *s))
                .await
                .is_ok()
            {
                return false;
            }
        };
        self.recovery.store(1, Ordering::Relaxed);
        tracing::warn!(reason = %why, "rebuilding the search index from the database");
        loop {
            let started = Instant::now();
            match crate::indexer::reindex(db, self.engine.as_ref(), catalog, |_, _| {}).await {
                Ok(done) => {
                    tracing::info!(
                        products = done.products,
                        stalls = done.stalls,
                        covered_rows = done.covered_rows,
                        secs = started.elapsed().as_secs_f64(),
                        "search index rebuilt"
                    );
                    self.recovery.store(0, Ordering::Relaxed);
                    return true;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "rebuilding the search index failed; retrying")
                }
            }
            if tokio::time::timeout(retry, stop.wait_for(|s| *s))
                .await
                .is_ok()
            {
                return false;
            }
        }
    }

    /// Searches that found nothing, for the administrators' list.
    pub fn misses(&self) -> &Misses {
        &self.misses
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<dyn SearchEngine> {
        &self.engine
    }

    /// Checks the parameters and searches products.
    pub async fn products<C: ConnectionTrait>(
        &self,
        db: &C,
        catalog: &Catalog,
        p: ProductSearch,
        lang: Lang,
    ) -> Result<ProductResults, Error> {
        let (query, page) = product_query(db, catalog, p).await?;
        let started = Instant::now();
        let result = self.engine.search_products(&query).await?;
        let took_ms = started.elapsed().as_millis() as u64;
        let mut hits: Vec<ProductSummary> = result
            .hits
            .into_iter()
            .map(|d| product_hit(d, query.today, catalog))
            .collect();
        fill_category_ids(db, &mut hits).await?;
        let did_you_mean = if result.total == 0 && !query.text.is_empty() {
            self.found_nothing(db, &query).await?
        } else {
            None
        };
        let categories = self.suggestable_categories(db).await?;
        Ok(ProductResults {
            hits,
            total: result.total,
            page: page.page,
            per_page: page.per_page,
            facets: product_facets(result.facets, &categories, catalog, lang),
            took_ms,
            did_you_mean,
        })
    }

    /// Records a search that found nothing (for the catalogue's gaps) and what the buyer may
    /// have meant instead.
    async fn found_nothing<C: ConnectionTrait>(
        &self,
        db: &C,
        query: &ProductQuery,
    ) -> Result<Option<String>, Error> {
        if self.misses.record(&query.text, Catalog::today())
            && let Err(e) = self.misses.flush(db).await
        {
            tracing::warn!(error = %e, "cannot write the searches that found nothing");
        }
        self.did_you_mean(db, query).await
    }

    /// The words of the public catalogue (product, stall and category names) and the built-in
    /// spellings, read again when older than five minutes.
    async fn vocabulary<C: ConnectionTrait>(&self, db: &C) -> Result<Arc<Vocabulary>, Error> {
        self.vocabulary
            .get(async {
                let names = catalog::visibility::public_names(db)
                    .await
                    .map_err(|e| Error::from(catalog::CatalogError::from(e)))?;
                // Spellings buyers use (`cafe`) are words, not typos of the catalogue's.
                let spellings = crate::synonyms::Synonyms::builtin();
                Ok(Vocabulary::from_texts(
                    names
                        .iter()
                        .map(String::as_str)
                        .chain(spellings.spelled_words()),
                ))
            })
            .await
    }

    /// The nearest query to `query` that finds products with the same filters, if any.
    async fn did_you_mean<C: ConnectionTrait>(
        &self,
        db: &C,
        query: &ProductQuery,
    ) -> Result<Option<String>, Error> {
        let Some(corrected) = self.vocabulary(db).await?.correct(&query.text) else {
            return Ok(None);
        };
        let probe = ProductQuery {
            text: corrected.clone(),
            offset: 0,
            limit: 1,
            lean: true,
            ..query.clone()
        };
        let found = self.engine.search_products(&probe).await?;
        Ok((!found.hits.is_empty()).then_some(corrected))
    }

    /// Suggestions for what the buyer is typing: a few products, stalls and categories at
    /// once. Products and stalls come from the engine (the last word as a prefix, typos
    /// forgiven, regional words and run-together syllables understood); categories from the
    /// catalogue.
    pub async fn suggest<C: ConnectionTrait>(
        &self,
        db: &C,
        catalog: &Catalog,
        p: SuggestSearch,
    ) -> Result<Suggestions, Error> {
        let text = p.q.trim().to_owned();
        let letters = text.chars().count();
        if letters == 0 || letters > MAX_SUGGEST_QUERY {
            return Err(Error::validation(vec![FieldError::new(
                "q",
                FieldCode::LengthOutOfRange,
                format!("must have 1 to {MAX_SUGGEST_QUERY} characters"),
            )]));
        }
        let today = day_number(Catalog::today());
        let products = ProductQuery {
            text: text.clone(),
            limit: SUGGEST_PRODUCTS,
            today,
            lean: true,
            ..Default::default()
        };
        let stalls = StallQuery {
            text: text.clone(),
            commune: None,
            offset: 0,
            limit: SUGGEST_STALLS,
        };
        let (found, categories, vocabulary) = tokio::join!(
            self.engine.suggest(&products, &stalls),
            self.suggestable_categories(db),
            self.vocabulary(db),
        );
        let (products, stalls) = found?;
        let vocabulary = vocabulary?;
        let typed = crate::exact::words(&common::text::fold(&text));
        let mut categories: Vec<CategoryRef> = categories?
            .iter()
            .filter(|(_, words)| words_match(words, &typed, |w| vocabulary.contains(w)))
            .map(|(c, _)| c.clone())
            .collect();
        categories.sort_by(|a, b| a.name.len().cmp(&b.name.len()).then(a.name.cmp(&b.name)));
        categories.truncate(SUGGEST_CATEGORIES);
        let mut products: Vec<ProductSummary> = products
            .hits
            .into_iter()
            .map(|d| product_hit(d, today, catalog))
            .collect();
        fill_category_ids(db, &mut products).await?;
        Ok(Suggestions {
            products,
            stalls: stalls.hits.into_iter().map(stall_hit).collect(),
            categories,
        })
    }

    /// Every category with the folded words of its name (for suggestions and facet labels),
    /// read again after 30 seconds.
    async fn suggestable_categories<C: ConnectionTrait>(
        &self,
        db: &C,
    ) -> Result<Arc<Vec<NamedCategory>>, Error> {
        self.categories
            .get(async {
                let rows = catalog::lookup::categories(db)
                    .await
                    .map_err(|e| Error::from(catalog::CatalogError::from(e)))?;
                Ok(rows
                    .into_iter()
                    .map(|c| {
                        let words = crate::exact::words(&common::text::fold(&c.name));
                        (c, words)
                    })
                    .collect())
            })
            .await
    }

    /// Checks the parameters and searches stalls.
    pub async fn stalls(&self, catalog: &Catalog, p: StallSearch) -> Result<StallResults, Error> {
        let mut errors = Vec::new();
        let text = text(&mut errors, p.q);
        commune(&mut errors, catalog, p.commune.as_deref());
        let page = page(&mut errors, p.page, p.per_page);
        if !errors.is_empty() {
            return Err(Error::validation(errors));
        }
        let started = Instant::now();
        let result = self
            .engine
            .search_stalls(&StallQuery {
                text,
                commune: p.commune,
                offset: page.offset() as usize,
                limit: page.per_page as usize,
            })
            .await?;
        Ok(StallResults {
            hits: result.hits.into_iter().map(stall_hit).collect(),
            total: result.total,
            page: page.page,
            per_page: page.per_page,
            took_ms: started.elapsed().as_millis() as u64,
        })
    }
}

fn product_hit(d: ProductDoc, today: i64, catalog: &Catalog) -> ProductSummary {
    let valid = d.ocop_stars > 0 && d.ocop_valid_until >= today;
    ProductSummary {
        id: d.id,
        slug: d.slug,
        name: d.name,
        price_max: match d.regular_price_max {
            0 => d.price_max.max(d.price),
            regular => regular,
        },
        price_in_force: d.price,
        in_stock: d.in_stock,
        price: match d.regular_price {
            0 => d.price,
            regular => regular,
        },
        unit: d.unit,
        image: d.image,
        ocop_stars: valid.then_some(d.ocop_stars),
        sales_count: d.sales_count,
        rating: crate::document::rating_of(d.rating_average, d.rating_count),
        category: CategoryRef {
            id: d.category_id.unwrap_or_default(),
            slug: d.category_slug,
            name: d.category_name,
        },
        commune: catalog.regions().get(&d.commune_code).cloned(),
        stall: StallRef {
            id: d.stall_id,
            slug: d.stall_slug,
            name: d.stall_name,
        },
    }
}

/// Documents indexed before they carried their category's id name only its slug; those hits
/// get the id from the catalogue (one query, and none once `reindex` has run).
async fn fill_category_ids<C: ConnectionTrait>(
    db: &C,
    hits: &mut [ProductSummary],
) -> Result<(), Error> {
    let missing: Vec<String> = hits
        .iter()
        .filter(|h| h.category.id.is_nil())
        .map(|h| h.category.slug.clone())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let found = catalog::lookup::categories_by_slug(db, missing)
        .await
        .map_err(Error::from)?;
    for hit in hits.iter_mut().filter(|h| h.category.id.is_nil()) {
        if let Some(c) = found.iter().find(|c| c.slug == hit.category.slug) {
            hit.category.id = c.id;
        }
    }
    Ok(())
}

fn stall_hit(d: StallDoc) -> StallSummary {
    StallSummary {
        rating: crate::document::rating_of(d.rating_average, d.rating_count),
        id: d.id,
        slug: d.slug,
        name: d.name,
        description: d.description,
        commune: Commune {
            code: d.commune_code,
            name: d.commune_name,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_match_folded_words_the_last_unfinished_with_a_typo_forgiven() {
        let folded = |q: &str| crate::exact::words(&common::text::fold(q));
        let catalogue = Vocabulary::from_texts(["Nước mắm Cửa Tùng", "Mỹ phẩm thảo dược"]);
        let matches =
            |name: &str, q: &str| words_match(&folded(name), &folded(q), |w| catalogue.contains(w));
        assert!(matches("Gia vị, nước chấm", "nuoc ch"));
        assert!(matches("Gia vị, nước chấm", "gia vi"));
        assert!(matches("Cà phê", "ca phe"));
        assert!(matches("Mật ong", "mat ongg"), "one typo");
        assert!(!matches("Mật ong", "mat ong rung"));
        assert!(!matches("Cà phê", "tra"));
        assert!(!matches("Nước mắm", "nouc"), "two edits are too many");
        assert!(matches("Mỹ phẩm thảo dược", "duoc"));
        assert!(matches("Mỹ phẩm thảo dược", "duocc"), "one typo");
        assert!(
            !matches("Mỹ phẩm thảo dược", "nuoc m"),
            "a word of the catalogue is not a typo of another"
        );
    }
}
