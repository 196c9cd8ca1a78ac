//! The Meilisearch engine (meilisearch-sdk): indexes `<prefix>products` and `<prefix>stalls`
//! with explicit primary keys and settings. Every write waits for its task and checks that it
//! succeeded: a 202 from Meilisearch only means "queued".

use std::{
    collections::BTreeMap,
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use async_trait::async_trait;
use meilisearch_sdk::{
    client::{Client, SwapIndexes},
    errors::Error as MeiliError,
    search::{MatchingStrategies, Selectors},
    settings::{MinWordSizeForTypos, Settings, TypoToleranceSettings},
    task_info::TaskInfo,
    tasks::Task,
};
use uuid::Uuid;

use crate::{
    document::{ProductDoc, StallDoc},
    engine::{EngineError, IndexBuild, SearchEngine},
    exact::{Rerank, joined, words},
    query::{Facets, ProductQuery, ProductSort, SearchResult, StallQuery},
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
    products: String,
    stalls: String,
    ready: AtomicBool,
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
const PRODUCT_HIT: [&str; 16] = [
    "id",
    "slug",
    "name",
    "price",
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
            "stall_id",
        ])
        .with_sortable_attributes(["price", "created_at", "sales_count"])
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
        Ok(Self {
            client,
            products: format!("{prefix}products"),
            stalls: format!("{prefix}stalls"),
            ready: AtomicBool::new(false),
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

    async fn products_for(
        &self,
        q: &ProductQuery,
        text: &str,
    ) -> Result<SearchResult<ProductDoc>, EngineError> {
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
        if let Some(lo) = q.price_min {
            filters.push(format!("price >= {lo}"));
        }
        if let Some(hi) = q.price_max {
            filters.push(format!("price <= {hi}"));
        }
        let filter = filters.join(" AND ");
        let browsing = text.split_whitespace().next().is_none();
        let sort: &[&str] = match q.sort {
            ProductSort::Relevance if browsing => &["created_at:desc"],
            ProductSort::Relevance => &[],
            ProductSort::PriceAsc => &["price:asc"],
            ProductSort::PriceDesc => &["price:desc"],
            ProductSort::Newest => &["created_at:desc"],
            ProductSort::Bestselling => &["sales_count:desc"],
        };
        // Typed diacritics rank within the top window (see `exact`): fetch it whole.
        let rerank = Rerank::plan(
            text,
            q.sort == ProductSort::Relevance,
            q.offset,
            q.limit.max(1),
        );
        let (page, per_page) = Rerank::request(rerank.as_ref(), q.offset, q.limit);
        let index = self.client.index(&self.products);
        let mut search = index.search();
        search
            .with_query(text)
            .with_page(page)
            .with_hits_per_page(per_page)
            .with_matching_strategy(MatchingStrategies::ALL)
            .with_attributes_to_retrieve(Selectors::Some(&PRODUCT_HIT));
        if !q.lean {
            search.with_facets(Selectors::Some(&[
                "category_slug",
                "commune_code",
                "ocop_stars",
            ]));
        }
        if !filter.is_empty() {
            search.with_filter(&filter);
        }
        if !sort.is_empty() {
            search.with_sort(sort);
        }
        let res = search.execute::<ProductDoc>().await.map_err(classify)?;
        let hits: Vec<ProductDoc> = res.hits.into_iter().map(|h| h.result).collect();
        Ok(SearchResult {
            total: res.total_hits.or(res.estimated_total_hits).unwrap_or(0) as u64,
            facets: Facets {
                category: facet(&res.facet_distribution, "category_slug"),
                commune: facet(&res.facet_distribution, "commune_code"),
                ocop_stars: facet(&res.facet_distribution, "ocop_stars"),
            },
            hits: match &rerank {
                Some(plan) => plan.apply(hits, |d| &d.name),
                None => hits,
            },
        })
    }

    async fn stalls_for(
        &self,
        q: &StallQuery,
        text: &str,
    ) -> Result<SearchResult<StallDoc>, EngineError> {
        let filter = q
            .commune
            .as_ref()
            .map(|c| format!("commune_code = {}", quoted(c)));
        let rerank = Rerank::plan(text, true, q.offset, q.limit.max(1));
        let (page, per_page) = Rerank::request(rerank.as_ref(), q.offset, q.limit);
        let index = self.client.index(&self.stalls);
        let mut search = index.search();
        search
            .with_query(text)
            .with_page(page)
            .with_hits_per_page(per_page)
            .with_matching_strategy(MatchingStrategies::ALL);
        if let Some(f) = &filter {
            search.with_filter(f);
        }
        if text.split_whitespace().next().is_none() {
            search.with_sort(&["approved_at:desc"]);
        }
        let res = search.execute::<StallDoc>().await.map_err(classify)?;
        let hits: Vec<StallDoc> = res.hits.into_iter().map(|h| h.result).collect();
        Ok(SearchResult {
            total: res.total_hits.or(res.estimated_total_hits).unwrap_or(0) as u64,
            facets: Facets::default(),
            hits: match &rerank {
                Some(plan) => plan.apply(hits, |d| &d.name),
                None => hits,
            },
        })
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

    async fn ensure(&self) -> Result<(), EngineError> {
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

fn facet(
    dist: &Option<std::collections::HashMap<String, std::collections::HashMap<String, usize>>>,
    name: &str,
) -> BTreeMap<String, u64> {
    dist.as_ref()
        .and_then(|d| d.get(name))
        .map(|m| {
            m.iter()
                .filter(|(k, v)| **v > 0 && !k.is_empty() && k.as_str() != "0")
                .map(|(k, v)| (k.clone(), *v as u64))
                .collect()
        })
        .unwrap_or_default()
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
        self.ensure().await?;
        let text = nfc(&q.text);
        let found = self.products_for(q, &text).await?;
        if found.total > 0 {
            return Ok(found);
        }
        // Nothing: perhaps syllables run together past what Meilisearch splits (two words).
        for split in split_readings(&text) {
            let again = self.products_for(q, &split).await?;
            if again.total > 0 {
                return Ok(again);
            }
        }
        Ok(found)
    }

    async fn search_stalls(&self, q: &StallQuery) -> Result<SearchResult<StallDoc>, EngineError> {
        self.ensure().await?;
        let text = nfc(&q.text);
        let found = self.stalls_for(q, &text).await?;
        if found.total > 0 {
            return Ok(found);
        }
        for split in split_readings(&text) {
            let again = self.stalls_for(q, &split).await?;
            if again.total > 0 {
                return Ok(again);
            }
        }
        Ok(found)
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
