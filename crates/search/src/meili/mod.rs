//! The Meilisearch engine (meilisearch-sdk): indexes `<prefix>products` and `<prefix>stalls`
//! with explicit primary keys and settings. Every write waits for its task and checks that it
//! succeeded: a 202 from Meilisearch only means "queued".

use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use async_trait::async_trait;
use meilisearch_sdk::{
    client::{Client, SwapIndexes},
    errors::Error as MeiliError,
    settings::{MinWordSizeForTypos, Settings, TypoToleranceSettings},
    task_info::TaskInfo,
    tasks::Task,
};
use uuid::Uuid;

mod read;

use read::{Ask, Found, ReadError, Reader, Window};

use crate::{
    document::{ProductDoc, StallDoc},
    engine::{EngineError, IndexBuild, SearchEngine},
    exact::{Rerank, joined, words},
    query::{FacetGroup, Facets, ProductQuery, ProductSort, SearchResult, StallQuery},
    syllables::splits,
    synonyms::Synonyms,
};
use common::text::{fold, nfc};

const TASK_TIMEOUT: Duration = Duration::from_secs(120);
const TASK_POLL: Duration = Duration::from_millis(25);

fn classify(e: MeiliError) -> EngineError {
    match e {
        MeiliError::Meilisearch(inner) => EngineError::Internal(inner.to_string()),
        other => EngineError::Unavailable(other.to_string()),
    }
}

/// A Meilisearch server.
pub struct Meili {
    client: Client,
    reader: Reader,
    products: String,
    stalls: String,
    ready: AtomicBool,
    /// Held while the indexes are prepared, so that callers arriving together prepare them
    /// once.
    preparing: tokio::sync::Mutex<()>,
    synonyms: Synonyms,
}

/// Quotes a value for a filter expression. Values are typed and checked before they get here
/// (codes, slugs, ids); escaping still guards against anything that slips through.
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Meilisearch's own ranking rules, then the market's tie-break among equally relevant hits:
/// more verified OCOP stars, then more units sold (as the embedded engine orders them).
const PRODUCT_RANKING: [&str; 8] = [
    "words",
    "typo",
    "proximity",
    "attribute",
    "sort",
    "exactness",
    "ocop_stars:desc",
    "sales_count:desc",
];

/// What a product hit is read back with: what the answer shows and the re-ranking reads, not
/// the description or the fields kept for filtering.
pub const PRODUCT_HIT: [&str; 22] = [
    "id",
    "slug",
    "name",
    "price",
    "price_max",
    "regular_price",
    "regular_price_max",
    "in_stock",
    "unit",
    "image",
    "ocop_stars",
    "ocop_valid_until",
    "sales_count",
    "commune_code",
    "category_id",
    "category_slug",
    "category_name",
    "stall_id",
    "stall_slug",
    "stall_name",
    "rating_average",
    "rating_count",
];

/// The facets a product search counts.
const PRODUCT_FACETS: [&str; 3] = ["category_slug", "commune_code", "ocop_stars"];

/// The facet a group is counted by.
fn facet_of(group: FacetGroup) -> &'static [&'static str] {
    match group {
        FacetGroup::Category => &PRODUCT_FACETS[..1],
        FacetGroup::Commune => &PRODUCT_FACETS[1..2],
        FacetGroup::Stars => &PRODUCT_FACETS[2..],
    }
}

/// What a stall hit is read back with.
pub const STALL_HIT: [&str; 8] = [
    "id",
    "slug",
    "name",
    "description",
    "commune_code",
    "commune_name",
    "rating_average",
    "rating_count",
];

/// A document as sent: the engine's fields and the joined syllables of its names (see
/// `exact::joined`), which Meilisearch's own word splitting does not reach past two words.
#[derive(serde::Serialize)]
struct Sent<'a, T> {
    #[serde(flatten)]
    doc: &'a T,
    joined: String,
}

fn sent_products(docs: &[ProductDoc]) -> Vec<Sent<'_, ProductDoc>> {
    docs.iter()
        .map(|d| Sent {
            doc: d,
            joined: joined(&[&d.name, &d.stall_name, &d.category_name]),
        })
        .collect()
}

fn sent_stalls(docs: &[StallDoc]) -> Vec<Sent<'_, StallDoc>> {
    docs.iter()
        .map(|d| Sent {
            doc: d,
            joined: joined(&[&d.name, &d.commune_name]),
        })
        .collect()
}

fn product_settings(synonyms: &Synonyms) -> Settings {
    Settings::new()
        .with_searchable_attributes([
            "name",
            "name_folded",
            "stall_name",
            "category_name",
            "description",
            "joined",
        ])
        .with_ranking_rules(PRODUCT_RANKING)
        .with_synonyms(synonyms.meili_setting())
        // Facet counts are only available on filterable attributes.
        .with_filterable_attributes([
            "category_path",
            "category_slug",
            "commune_code",
            "ocop_stars",
            "ocop_valid_until",
            "price",
            "price_max",
            "stall_id",
            "rating_average",
        ])
        .with_sortable_attributes([
            "price",
            "price_max",
            "created_at",
            "sales_count",
            "rating_average",
            "rating_count",
        ])
        .with_typo_tolerance(typo_tolerance())
}

fn stall_settings(synonyms: &Synonyms) -> Settings {
    Settings::new()
        .with_searchable_attributes([
            "name",
            "name_folded",
            "description",
            "commune_name",
            "joined",
        ])
        .with_synonyms(synonyms.meili_setting())
        .with_filterable_attributes(["commune_code"])
        .with_sortable_attributes(["approved_at"])
        .with_typo_tolerance(typo_tolerance())
}

/// Vietnamese syllables are short: Meilisearch's defaults (a typo from 5 letters, two from 9)
/// would forgive almost none, so one typo is allowed from 4 letters and two from 8.
fn typo_tolerance() -> TypoToleranceSettings {
    TypoToleranceSettings {
        enabled: Some(true),
        min_word_size_for_typos: Some(MinWordSizeForTypos {
            one_typo: Some(4),
            two_typos: Some(8),
        }),
        ..Default::default()
    }
}

impl Meili {
    /// A client for the server at `url`; index names start with `prefix`.
    pub fn new(url: &str, key: Option<&str>, prefix: &str) -> Result<Self, EngineError> {
        let client = Client::new(url, key).map_err(classify)?;
        let (products, stalls) = (format!("{prefix}products"), format!("{prefix}stalls"));
        Ok(Self {
            client,
            reader: Reader::new(url, key, &products, &stalls)?,
            products,
            stalls,
            ready: AtomicBool::new(false),
            preparing: tokio::sync::Mutex::new(()),
            synonyms: Synonyms::builtin(),
        })
    }

    /// The same client with another synonym table (the built-in one otherwise), applied to the
    /// indexes' settings when they are next prepared.
    #[must_use]
    pub fn with_synonyms(mut self, synonyms: Synonyms) -> Self {
        self.synonyms = synonyms;
        self
    }

    /// A product search as Meilisearch reads it, and the re-ranking its hits need.
    fn product_ask<'a>(q: &ProductQuery, text: &'a str) -> (Ask<'a>, Option<Rerank>) {
        let browsing = text.split_whitespace().next().is_none();
        // Typed diacritics rank within the top window (see `exact`): fetch it whole.
        let rerank = Rerank::plan(
            text,
            q.sort == ProductSort::Relevance,
            q.offset,
            q.limit.max(1),
        );
        let mut ask = Ask::new(
            text,
            window(rerank.as_ref(), q.offset, q.limit, q.lean),
            &PRODUCT_HIT,
        );
        ask.filter = product_filter(q);
        ask.sort = match q.sort {
            ProductSort::Relevance if browsing => &["created_at:desc"],
            ProductSort::Relevance => &[],
            ProductSort::PriceAsc => &["price:asc"],
            ProductSort::PriceDesc => &["price_max:desc"],
            ProductSort::Newest => &["created_at:desc"],
            ProductSort::Bestselling => &["sales_count:desc"],
            ProductSort::Rating => &["rating_average:desc", "rating_count:desc"],
        };
        if !q.lean {
            ask.facets = &PRODUCT_FACETS;
        }
        (ask, rerank)
    }

    /// The counts of one facet group over `q` without that group's filter, and no hits: the
    /// disjunctive counts of a filtered group.
    fn facet_ask<'a>(q: &ProductQuery, group: FacetGroup, text: &'a str) -> Ask<'a> {
        let mut ask = Ask::new(
            text,
            Window::Top {
                offset: 0,
                limit: 0,
            },
            &[],
        );
        ask.filter = product_filter(&q.without(group));
        ask.facets = facet_of(group);
        ask
    }

    /// A stall search as Meilisearch reads it, and the re-ranking its hits need.
    fn stall_ask<'a>(q: &StallQuery, text: &'a str) -> (Ask<'a>, Option<Rerank>) {
        let rerank = Rerank::plan(text, true, q.offset, q.limit.max(1));
        let mut ask = Ask::new(
            text,
            window(rerank.as_ref(), q.offset, q.limit, false),
            &STALL_HIT,
        );
        if let Some(c) = &q.commune {
            ask.filter = format!("commune_code = {}", quoted(c));
        }
        if text.split_whitespace().next().is_none() {
            ask.sort = &["approved_at:desc"];
        }
        (ask, rerank)
    }

    async fn products_for(
        &self,
        q: &ProductQuery,
        text: &str,
    ) -> Result<SearchResult<ProductDoc>, ReadError> {
        let (ask, rerank) = Self::product_ask(q, text);
        let groups = if q.lean {
            Vec::new()
        } else {
            q.filtered_groups()
        };
        if groups.is_empty() {
            let found = self.reader.products(&ask).await?;
            return Ok(product_result(found, rerank.as_ref()));
        }
        // A filtered group's counts come from a search without its filter, asked in the same
        // multi-search as the hits.
        let mut asks = vec![ask];
        asks.extend(groups.iter().map(|&g| Self::facet_ask(q, g, text)));
        let mut answers = self.reader.products_many(&asks).await?.into_iter();
        let Some(found) = answers.next() else {
            return Err(ReadError::Failed(EngineError::Internal(
                "Meilisearch answered no search".into(),
            )));
        };
        let mut result = product_result(found, rerank.as_ref());
        for (group, mut counts) in groups.into_iter().zip(answers) {
            *result.facets.group_mut(group) = counts.facet(facet_of(group)[0]);
        }
        Ok(result)
    }

    async fn stalls_for(
        &self,
        q: &StallQuery,
        text: &str,
    ) -> Result<SearchResult<StallDoc>, ReadError> {
        let (ask, rerank) = Self::stall_ask(q, text);
        let found = self.reader.stalls(&ask).await?;
        Ok(stall_result(found, rerank.as_ref()))
    }

    async fn wait(&self, task: TaskInfo) -> Result<(), EngineError> {
        let task = task
            .wait_for_completion(&self.client, Some(TASK_POLL), Some(TASK_TIMEOUT))
            .await
            .map_err(classify)?;
        match task {
            Task::Succeeded { .. } => Ok(()),
            Task::Failed { content } => Err(EngineError::Internal(format!(
                "Meilisearch task failed: {}",
                content.error
            ))),
            other => Err(EngineError::Unavailable(format!(
                "Meilisearch task did not finish in time: {other:?}"
            ))),
        }
    }

    /// Creates an index (if missing) with its primary key and settings.
    async fn prepare(&self, uid: &str, settings: &Settings) -> Result<(), EngineError> {
        match self.client.create_index(uid, Some("id")).await {
            Ok(task) => {
                // "index already exists" is the failure we expect on every start but the first.
                let _ = self.wait(task).await;
            }
            Err(e) => return Err(classify(e)),
        }
        let task = self
            .client
            .index(uid)
            .set_settings(settings)
            .await
            .map_err(classify)?;
        self.wait(task).await
    }

    /// Creates the indexes and applies their settings, once per process (callers arriving
    /// together wait for the one doing it). Writes call it first; searches only when they
    /// find an index missing, so a restart never makes buyers wait for Meilisearch to
    /// re-apply settings to a large index.
    async fn ensure(&self) -> Result<(), EngineError> {
        if self.ready.load(Ordering::Acquire) {
            return Ok(());
        }
        let _one = self.preparing.lock().await;
        if self.ready.load(Ordering::Acquire) {
            return Ok(());
        }
        self.prepare(&self.products, &product_settings(&self.synonyms))
            .await?;
        self.prepare(&self.stalls, &stall_settings(&self.synonyms))
            .await?;
        self.ready.store(true, Ordering::Release);
        Ok(())
    }

    /// `run` (a search), and once more after preparing the indexes if it found one missing.
    async fn searching<T, F, Fut>(&self, run: F) -> Result<T, EngineError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, ReadError>>,
    {
        match run().await {
            Err(ReadError::Missing) => {
                self.ensure().await?;
                Ok(run().await?)
            }
            other => Ok(other?),
        }
    }

    async fn add<T: serde::Serialize + Send + Sync>(
        &self,
        uid: &str,
        docs: &[T],
    ) -> Result<(), EngineError> {
        if docs.is_empty() {
            return Ok(());
        }
        let task = self
            .client
            .index(uid)
            .add_or_replace(docs, Some("id"))
            .await
            .map_err(classify)?;
        self.wait(task).await
    }

    async fn delete(&self, uid: &str, ids: Vec<Uuid>) -> Result<(), EngineError> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        let task = self
            .client
            .index(uid)
            .delete_documents(&ids)
            .await
            .map_err(classify)?;
        self.wait(task).await
    }
}

/// The filter expression of a product search: its typed filters joined by `AND`.
fn product_filter(q: &ProductQuery) -> String {
    let mut filters = Vec::new();
    if let Some(c) = &q.category {
        filters.push(format!("category_path = {}", quoted(c)));
    }
    if let Some(c) = &q.commune {
        filters.push(format!("commune_code = {}", quoted(c)));
    }
    if let Some(s) = q.stall {
        filters.push(format!("stall_id = {}", quoted(&s.to_string())));
    }
    if let Some(stars) = q.min_stars {
        filters.push(format!(
            "ocop_stars >= {stars} AND ocop_valid_until >= {}",
            q.today
        ));
    }
    // The average as shown (one decimal); an unrated product's 0 never matches.
    if let Some(min) = q.min_rating {
        filters.push(format!("rating_average >= {min}"));
    }
    // A product's prices run from `price` to `price_max`: it matches when that range meets the
    // one asked.
    if let Some(lo) = q.price_min {
        filters.push(format!("price_max >= {lo}"));
    }
    if let Some(hi) = q.price_max {
        filters.push(format!("price <= {hi}"));
    }
    filters.join(" AND ")
}

/// Other readings of a query with syllables run together (`tieuvinhlinh` as
/// `tieu vinh linh`), for when it finds nothing as typed: each run-together word is split into
/// Vietnamese syllables, up to three readings.
fn split_readings(text: &str) -> Vec<String> {
    let typed = words(&fold(text));
    let options: Vec<Vec<Vec<String>>> = typed.iter().map(|w| splits(w, 3)).collect();
    let most = options.iter().map(Vec::len).max().unwrap_or(0);
    (0..most)
        .map(|k| {
            typed
                .iter()
                .zip(&options)
                .map(|(w, o)| match o.get(k).or(o.last()) {
                    Some(parts) => parts.join(" "),
                    None => w.clone(),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The hits to ask for: the whole top window when re-ranking, the top hits for a lean query
/// (no exact count), else the page.
fn window(rerank: Option<&Rerank>, offset: usize, limit: usize, lean: bool) -> Window {
    let (page, per_page) = Rerank::request(rerank, offset, limit);
    if lean {
        Window::Top {
            offset: (page - 1) * per_page,
            limit: per_page,
        }
    } else {
        Window::Page { page, per_page }
    }
}

fn product_result(
    mut found: Found<ProductDoc>,
    rerank: Option<&Rerank>,
) -> SearchResult<ProductDoc> {
    let total = found.total();
    let facets = Facets {
        category: found.facet("category_slug"),
        commune: found.facet("commune_code"),
        ocop_stars: found.facet("ocop_stars"),
    };
    SearchResult {
        total,
        facets,
        hits: match rerank {
            Some(plan) => plan.apply(found.hits, |d| &d.name),
            None => found.hits,
        },
    }
}

fn stall_result(found: Found<StallDoc>, rerank: Option<&Rerank>) -> SearchResult<StallDoc> {
    SearchResult {
        total: found.total(),
        facets: Facets::default(),
        hits: match rerank {
            Some(plan) => plan.apply(found.hits, |d| &d.name),
            None => found.hits,
        },
    }
}

/// `found` (the answer to `text` as typed) if it has hits; otherwise the first reading of
/// `text` with syllables split (`tieuvinhlinh` as `tieu vinh linh`) that finds something, asked
/// with `again`; `found` if none does. Meilisearch splits a word in two at most by itself.
async fn or_split_readings<T, F, Fut>(
    found: SearchResult<T>,
    text: &str,
    again: F,
) -> Result<SearchResult<T>, ReadError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<SearchResult<T>, ReadError>>,
{
    if found.total > 0 {
        return Ok(found);
    }
    for split in split_readings(text) {
        let res = again(split).await?;
        if res.total > 0 {
            return Ok(res);
        }
    }
    Ok(found)
}

#[async_trait]
impl SearchEngine for Meili {
    fn name(&self) -> &'static str {
        "meilisearch"
    }

    async fn upsert_products(&self, docs: Vec<ProductDoc>) -> Result<(), EngineError> {
        self.ensure().await?;
        self.add(&self.products, &sent_products(&docs)).await
    }

    async fn delete_products(&self, ids: Vec<Uuid>) -> Result<(), EngineError> {
        self.ensure().await?;
        self.delete(&self.products, ids).await
    }

    async fn upsert_stalls(&self, docs: Vec<StallDoc>) -> Result<(), EngineError> {
        self.ensure().await?;
        self.add(&self.stalls, &sent_stalls(&docs)).await
    }

    async fn delete_stalls(&self, ids: Vec<Uuid>) -> Result<(), EngineError> {
        self.ensure().await?;
        self.delete(&self.stalls, ids).await
    }

    async fn search_products(
        &self,
        q: &ProductQuery,
    ) -> Result<SearchResult<ProductDoc>, EngineError> {
        let text = nfc(&q.text);
        self.searching(|| async {
            let found = self.products_for(q, &text).await?;
            or_split_readings(
                found,
                &text,
                |t| async move { self.products_for(q, &t).await },
            )
            .await
        })
        .await
    }

    async fn search_stalls(&self, q: &StallQuery) -> Result<SearchResult<StallDoc>, EngineError> {
        let text = nfc(&q.text);
        self.searching(|| async {
            let found = self.stalls_for(q, &text).await?;
            or_split_readings(
                found,
                &text,
                |t| async move { self.stalls_for(q, &t).await },
            )
            .await
        })
        .await
    }

    /// Products and stalls in one multi-search: one round trip per keystroke.
    async fn suggest(
        &self,
        products: &ProductQuery,
        stalls: &StallQuery,
    ) -> Result<(SearchResult<ProductDoc>, SearchResult<StallDoc>), EngineError> {
        let (pt, st) = (nfc(&products.text), nfc(&stalls.text));
        self.searching(|| async {
            let (p_ask, p_rerank) = Self::product_ask(products, &pt);
            let (s_ask, s_rerank) = Self::stall_ask(stalls, &st);
            let (p_found, s_found) = self.reader.both(&p_ask, &s_ask).await?;
            let (p, s) = (
                product_result(p_found, p_rerank.as_ref()),
                stall_result(s_found, s_rerank.as_ref()),
            );
            tokio::try_join!(
                or_split_readings(
                    p,
                    &pt,
                    |t| async move { self.products_for(products, &t).await }
                ),
                or_split_readings(s, &st, |t| async move { self.stalls_for(stalls, &t).await }),
            )
        })
        .await
    }

    /// Prepares the indexes (the gateway asks at start, so new settings apply then) and counts
    /// the products: an empty index over a catalogue that is not is rebuilt at start.
    async fn product_count(&self) -> Result<Option<u64>, EngineError> {
        self.ensure().await?;
        let stats = self
            .client
            .index(&self.products)
            .get_stats()
            .await
            .map_err(classify)?;
        Ok(Some(stats.number_of_documents as u64))
    }

    async fn health(&self) -> Result<(), EngineError> {
        self.client.health().await.map_err(classify).map(|_| ())
    }

    async fn rebuild(&self) -> Result<Box<dyn IndexBuild + '_>, EngineError> {
        self.ensure().await?;
        let suffix = Uuid::now_v7().simple().to_string();
        let products = format!("{}_rebuild_{suffix}", self.products);
        let stalls = format!("{}_rebuild_{suffix}", self.stalls);
        self.prepare(&products, &product_settings(&self.synonyms))
            .await?;
        self.prepare(&stalls, &stall_settings(&self.synonyms))
            .await?;
        Ok(Box::new(MeiliBuild {
            engine: self,
            products,
            stalls,
        }))
    }
}

struct MeiliBuild<'a> {
    engine: &'a Meili,
    products: String,
    stalls: String,
}

#[async_trait]
impl IndexBuild for MeiliBuild<'_> {
    async fn add_products(&mut self, docs: Vec<ProductDoc>) -> Result<(), EngineError> {
        self.engine.add(&self.products, &sent_products(&docs)).await
    }

    async fn add_stalls(&mut self, docs: Vec<StallDoc>) -> Result<(), EngineError> {
        self.engine.add(&self.stalls, &sent_stalls(&docs)).await
    }

    async fn finish(self: Box<Self>) -> Result<(), EngineError> {
        let e = self.engine;
        let swaps = [
            SwapIndexes {
                indexes: (e.products.clone(), self.products.clone()),
                rename: None,
            },
            SwapIndexes {
                indexes: (e.stalls.clone(), self.stalls.clone()),
                rename: None,
            },
        ];
        let task = e.client.swap_indexes(&swaps).await.map_err(classify)?;
        e.wait(task).await?;
        // The rebuild names now hold the old indexes.
        for uid in [&self.products, &self.stalls] {
            let task = e.client.delete_index(uid).await.map_err(classify)?;
            e.wait(task).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filtered_group_is_counted_without_its_own_filter_and_without_hits() {
        let q = ProductQuery {
            text: "mat ong".into(),
            category: Some("mat-ong".into()),
            commune: Some("19441".into()),
            limit: 20,
            today: 20_261_205,
            ..Default::default()
        };
        assert_eq!(
            q.filtered_groups(),
            [FacetGroup::Category, FacetGroup::Commune]
        );
        let ask = Meili::facet_ask(&q, FacetGroup::Commune, "mat ong");
        assert_eq!(
            serde_json::to_value(&ask).unwrap_or_default(),
            serde_json::json!({"q": "mat ong", "offset": 0, "limit": 0,
                "matchingStrategy": "all", "attributesToRetrieve": [],
                "facets": ["commune_code"], "filter": "category_path = \"mat-ong\""})
        );
        let ask = Meili::facet_ask(&q, FacetGroup::Category, "mat ong");
        assert_eq!(ask.facets, ["category_slug"]);
        assert_eq!(ask.filter, "commune_code = \"19441\"");
    }

    #[test]
    fn a_rating_sorts_by_average_then_count_and_filters_by_average() {
        let q = ProductQuery {
            text: "mat ong".into(),
            min_rating: Some(4),
            sort: ProductSort::Rating,
            limit: 20,
            today: 20_261_205,
            ..Default::default()
        };
        let (ask, rerank) = Meili::product_ask(&q, "mat ong");
        assert!(rerank.is_none(), "a sort keeps its order");
        assert_eq!(ask.sort, ["rating_average:desc", "rating_count:desc"]);
        assert_eq!(ask.filter, "rating_average >= 4");
        // What sorts and filters is filterable and sortable, and hits read it back.
        let settings = serde_json::to_value(product_settings(&Synonyms::builtin())).unwrap();
        let has = |key: &str, v: &str| {
            settings[key]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == v))
        };
        assert!(has("filterableAttributes", "rating_average"));
        assert!(has("sortableAttributes", "rating_average"));
        assert!(has("sortableAttributes", "rating_count"));
        for field in ["rating_average", "rating_count"] {
            assert!(PRODUCT_HIT.contains(&field) && STALL_HIT.contains(&field));
        }
    }
}
