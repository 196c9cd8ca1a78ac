//! The embedded engine: tantivy indexes in files under `data.dir`, for a deployment that is one
//! binary. Text is indexed twice, folded (no diacritics) and as written, so "nuoc mam" finds
//! "Nước mắm" while "nước" still ranks "Nước" above "Nuoc".
//!
//! Layout: `<dir>/<generation>/{products,stalls}` with `<dir>/CURRENT` naming the live
//! generation. A rebuild writes a new generation and swaps `CURRENT` with an atomic rename; a
//! process serving searches notices within a second and reopens.
//!
//! The index is a cache of the database. Opening never fails on a damaged one: a missing or
//! garbage `CURRENT`, or a generation that does not open or fails its checksums, is moved aside
//! (`damaged-*`, kept for inspection), an empty generation takes its place, and
//! [`SearchEngine::damage`] says why, so the caller rebuilds from the database. No generation
//! is deleted until one that replaces it has opened.

use std::{
    collections::BTreeMap,
    ops::Bound,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use async_trait::async_trait;
use common::text::{fold, nfc};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument,
    Term,
    aggregation::{
        AggContextParams, AggregationCollector, AggregationLimitsGuard, agg_req::Aggregations,
    },
    collector::{Collector, Count, TopDocs},
    query::{
        AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, RangeQuery, TermQuery,
    },
    schema::{
        FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TEXT, TextOptions, Value,
    },
};
use uuid::Uuid;

use crate::{
    document::{ProductDoc, StallDoc},
    engine::{EngineError, IndexBuild, SearchEngine},
    query::{Facets, ProductQuery, ProductSort, SearchResult, StallQuery},
    synonyms::Synonyms,
};

const WRITER_MEMORY: usize = 30_000_000;
const SWAP_CHECK: Duration = Duration::from_secs(1);

fn internal(e: impl std::fmt::Display) -> EngineError {
    EngineError::Internal(e.to_string())
}

/// Splits text into lower-case words the way the default tokenizer does.
use crate::exact::{joined, words};

#[derive(Clone, Copy)]
struct ProductFields {
    id: Field,
    doc: Field,
    name_f: Field,
    name_x: Field,
    body_f: Field,
    joined: Field,
    category_path: Field,
    category_slug: Field,
    commune: Field,
    stall: Field,
    stars: Field,
    valid: Field,
    price: Field,
    created: Field,
    sales: Field,
}

impl ProductFields {
    fn text(&self) -> TextFields {
        TextFields {
            name_f: self.name_f,
            name_x: self.name_x,
            body_f: self.body_f,
            joined: self.joined,
        }
    }
}

fn product_schema() -> (Schema, ProductFields) {
    let mut b = Schema::builder();
    let f = ProductFields {
        id: b.add_text_field("id", STRING | STORED),
        doc: b.add_text_field("doc", TextOptions::default().set_stored()),
        name_f: b.add_text_field("name_f", TEXT),
        name_x: b.add_text_field("name_x", TEXT),
        body_f: b.add_text_field("body_f", TEXT),
        joined: b.add_text_field("joined", TEXT),
        category_path: b.add_text_field("category_path", STRING),
        category_slug: b.add_text_field("category_slug", STRING | FAST),
        commune: b.add_text_field("commune", STRING | FAST),
        stall: b.add_text_field("stall", STRING),
        stars: b.add_u64_field("stars", INDEXED | FAST),
        valid: b.add_i64_field("valid", INDEXED | FAST),
        price: b.add_i64_field("price", INDEXED | FAST),
        created: b.add_i64_field("created", FAST),
        sales: b.add_i64_field("sales", FAST),
    };
    (b.build(), f)
}

#[derive(Clone, Copy)]
struct StallFields {
    id: Field,
    doc: Field,
    name_f: Field,
    name_x: Field,
    body_f: Field,
    joined: Field,
    commune: Field,
    approved: Field,
}

impl StallFields {
    fn text(&self) -> TextFields {
        TextFields {
            name_f: self.name_f,
            name_x: self.name_x,
            body_f: self.body_f,
            joined: self.joined,
        }
    }
}

fn stall_schema() -> (Schema, StallFields) {
    let mut b = Schema::builder();
    let f = StallFields {
        id: b.add_text_field("id", STRING | STORED),
        doc: b.add_text_field("doc", TextOptions::default().set_stored()),
        name_f: b.add_text_field("name_f", TEXT),
        name_x: b.add_text_field("name_x", TEXT),
        body_f: b.add_text_field("body_f", TEXT),
        joined: b.add_text_field("joined", TEXT),
        commune: b.add_text_field("commune", STRING | FAST),
        approved: b.add_i64_field("approved", FAST),
    };
    (b.build(), f)
}

fn product_document(f: &ProductFields, d: &ProductDoc) -> Result<TantivyDocument, EngineError> {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, d.id.to_string());
    doc.add_text(f.doc, serde_json::to_string(d).map_err(internal)?);
    doc.add_text(f.name_f, &d.name_folded);
    doc.add_text(f.name_x, &d.name);
    doc.add_text(
        f.body_f,
        fold(&format!(
            "{} {} {}",
            d.stall_name, d.category_name, d.description
        )),
    );
    doc.add_text(
        f.joined,
        joined(&[&d.name, &d.stall_name, &d.category_name]),
    );
    for slug in &d.category_path {
        doc.add_text(f.category_path, slug);
    }
    doc.add_text(f.category_slug, &d.category_slug);
    doc.add_text(f.commune, &d.commune_code);
    doc.add_text(f.stall, d.stall_id.to_string());
    doc.add_u64(f.stars, u64::from(d.ocop_stars));
    doc.add_i64(f.valid, d.ocop_valid_until);
    doc.add_i64(f.price, d.price);
    doc.add_i64(f.created, d.created_at);
    doc.add_i64(f.sales, d.sales_count);
    Ok(doc)
}

fn stall_document(f: &StallFields, d: &StallDoc) -> Result<TantivyDocument, EngineError> {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, d.id.to_string());
    doc.add_text(f.doc, serde_json::to_string(d).map_err(internal)?);
    doc.add_text(f.name_f, &d.name_folded);
    doc.add_text(f.name_x, &d.name);
    doc.add_text(
        f.body_f,
        fold(&format!("{} {}", d.description, d.commune_name)),
    );
    doc.add_text(f.joined, joined(&[&d.name, &d.commune_name]));
    doc.add_text(f.commune, &d.commune_code);
    doc.add_i64(f.approved, d.approved_at);
    Ok(doc)
}

/// The text fields a query searches.
#[derive(Clone, Copy)]
struct TextFields {
    name_f: Field,
    name_x: Field,
    body_f: Field,
    joined: Field,
}

/// The words of a query as clauses over folded and exact fields: every word must match; the
/// last may be a prefix (the buyer is still typing); words of four letters or more forgive one
/// typo; exact diacritics and name matches score higher. A word may also be syllables run
/// together (`nuocmam`), found among the joined runs of the names. A phrase with regional
/// synonyms (`lạc`) matches as itself or as any of them (`đậu phộng`).
fn text_query(
    text: &str,
    fields: TextFields,
    synonyms: &Synonyms,
    searcher: &Searcher,
) -> Box<dyn Query> {
    let text = nfc(text);
    let folded = words(&fold(&text));
    let exact = words(&text);
    if folded.is_empty() {
        return Box::new(AllQuery);
    }
    let last = folded.len() - 1;
    let expansions = synonyms.expansions(&exact, &folded);
    let mut musts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut i = 0;
    while i < folded.len() {
        let original = |i: usize| {
            exact
                .get(i)
                .filter(|o| **o != folded[i])
                .map(String::as_str)
        };
        match expansions.iter().find(|e| e.start == i) {
            Some(e) => {
                let end = i + e.len;
                let own: Vec<(Occur, Box<dyn Query>)> = (i..end)
                    .map(|k| {
                        let q = word_query(&folded[k], original(k), k == last, fields);
                        (Occur::Must, q)
                    })
                    .collect();
                let mut any: Vec<(Occur, Box<dyn Query>)> =
                    vec![(Occur::Should, Box::new(BooleanQuery::new(own)))];
                for alternative in &e.alternatives {
                    let alt: Vec<(Occur, Box<dyn Query>)> = alternative
                        .iter()
                        .map(|w| (Occur::Must, word_query(w, None, false, fields)))
                        .collect();
                    any.push((Occur::Should, Box::new(BooleanQuery::new(alt))));
                }
                musts.push((Occur::Must, Box::new(BooleanQuery::new(any))));
                i = end;
            }
            None => {
                let q = word_query(&folded[i], original(i), i == last, fields);
                // Syllables run together that no name joins as typed (`tieuvinhlinh` for
                // "Hồ tiêu đỏ Vĩnh Linh"): also as the known words they split into.
                let q = match split_known(&folded[i], |w| known(searcher, fields, w)) {
                    Some(parts) => {
                        let parts: Vec<(Occur, Box<dyn Query>)> = parts
                            .iter()
                            .map(|p| (Occur::Must, word_query(p, None, false, fields)))
                            .collect();
                        Box::new(BooleanQuery::new(vec![
                            (Occur::Should, q),
                            (Occur::Should, Box::new(BooleanQuery::new(parts))),
                        ])) as Box<dyn Query>
                    }
                    None => q,
                };
                musts.push((Occur::Must, q));
                i += 1;
            }
        }
    }
    Box::new(BooleanQuery::new(musts))
}

/// Whether `word` is a word of some name or text of the index.
fn known(searcher: &Searcher, f: TextFields, word: &str) -> bool {
    searcher.segment_readers().iter().any(|segment| {
        [f.name_f, f.body_f].iter().any(|&field| {
            segment
                .inverted_index(field)
                .ok()
                .and_then(|ii| ii.terms().get(word.as_bytes()).ok().flatten())
                .is_some()
        })
    })
}

/// `word` as the fewest known words it is made of (two at least), when it is not itself known
/// and is made of them: Vietnamese syllables are two to seven letters once folded.
fn split_known(word: &str, known: impl Fn(&str) -> bool) -> Option<Vec<String>> {
    crate::syllables::fewest_parts(word, 2, 1, &known)
        .into_iter()
        .next()
}

/// One folded query word: in the name (best), with its typed diacritics, in the rest of the
/// text, as a prefix when it is the last word, with a typo when long, or as joined syllables.
fn word_query(word: &str, original: Option<&str>, last: bool, f: TextFields) -> Box<dyn Query> {
    let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let term = |field: Field| Term::from_field_text(field, word);
    let boosted = |q: Box<dyn Query>, boost: f32| -> (Occur, Box<dyn Query>) {
        (Occur::Should, Box::new(BoostQuery::new(q, boost)))
    };
    let exact = |field: Field| -> Box<dyn Query> {
        Box::new(TermQuery::new(term(field), IndexRecordOption::WithFreqs))
    };
    any.push(boosted(exact(f.name_f), 3.0));
    any.push(boosted(exact(f.body_f), 1.0));
    if let Some(original) = original {
        let t = Term::from_field_text(f.name_x, original);
        any.push(boosted(
            Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs)),
            2.0,
        ));
    }
    let letters = word.chars().count();
    if letters >= 5 {
        // Two syllables or more typed as one word.
        any.push(boosted(exact(f.joined), 2.5));
        if letters >= 8 {
            any.push(boosted(
                Box::new(FuzzyTermQuery::new(term(f.joined), 1, true)),
                1.0,
            ));
        }
    }
    if last {
        any.push(boosted(
            Box::new(FuzzyTermQuery::new_prefix(term(f.name_f), 0, true)),
            1.5,
        ));
        any.push(boosted(
            Box::new(FuzzyTermQuery::new_prefix(term(f.body_f), 0, true)),
            0.5,
        ));
        if letters >= 5 {
            any.push(boosted(
                Box::new(FuzzyTermQuery::new_prefix(term(f.joined), 0, true)),
                1.0,
            ));
        }
    }
    if letters >= 4 {
        any.push(boosted(
            Box::new(FuzzyTermQuery::new(term(f.name_f), 1, true)),
            1.0,
        ));
        any.push(boosted(
            Box::new(FuzzyTermQuery::new(term(f.body_f), 1, true)),
            0.3,
        ));
    }
    Box::new(BooleanQuery::new(any))
}

/// Relevance, then the market's tie-break: among hits of the same relevance (scores equal to
/// two decimals), more verified OCOP stars first, then more units sold. The same order as
/// Meilisearch's ranking rules (`ocop_stars:desc`, `sales_count:desc` after relevance).
fn tie_break(
    segment: &tantivy::SegmentReader,
) -> impl Fn(tantivy::DocId, tantivy::Score) -> (i64, u64, i64) + use<> {
    let stars = segment
        .fast_fields()
        .u64("stars")
        .ok()
        .map(|c| c.first_or_default_col(0));
    let sales = segment
        .fast_fields()
        .i64("sales")
        .ok()
        .map(|c| c.first_or_default_col(0));
    move |doc, score| {
        let relevance = (f64::from(score) * 100.0).round() as i64;
        (
            relevance,
            stars.as_ref().map_or(0, |c| c.get_val(doc)),
            sales.as_ref().map_or(0, |c| c.get_val(doc)),
        )
    }
}

fn i64_range(lo: Option<i64>, hi: Option<i64>, field: Field) -> Box<dyn Query> {
    let bound = |v: Option<i64>| match v {
        Some(v) => Bound::Included(Term::from_field_i64(field, v)),
        None => Bound::Unbounded,
    };
    Box::new(RangeQuery::new(bound(lo), bound(hi)))
}

/// One tantivy index with its reader and (single) writer. The writer, which holds the index's
/// lock file, is opened on the first write: a process that only reads, or only builds a new
/// generation (`marketplace reindex` beside a running server), never contends for it.
struct Side {
    index: Index,
    reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
}

impl Side {
    fn open(dir: &Path, schema: Schema) -> Result<Self, EngineError> {
        std::fs::create_dir_all(dir).map_err(internal)?;
        let mmap = tantivy::directory::MmapDirectory::open(dir).map_err(internal)?;
        let index = Index::open_or_create(mmap, schema).map_err(internal)?;
        verify(&index)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(internal)?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(None),
        })
    }

    /// Runs `f` with the index's writer, opened on first use.
    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        let mut slot = self
            .writer
            .lock()
            .map_err(|_| EngineError::Internal("index writer poisoned".into()))?;
        if slot.is_none() {
            let writer = self
                .index
                .writer_with_num_threads(1, WRITER_MEMORY)
                // Another process still holds the lock (a rebuild finishing): retry later.
                .map_err(|e| EngineError::Unavailable(e.to_string()))?;
            *slot = Some(writer);
        }
        let Some(w) = slot.as_mut() else {
            return Err(internal("index writer missing"));
        };
        f(w)
    }

    /// Applies `f` and commits, or rolls back if it fails; searches see the result at once.
    fn write(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> Result<(), EngineError>,
    ) -> Result<(), EngineError> {
        self.with_writer(|w| {
            if let Err(e) = f(w) {
                let _ = w.rollback();
                return Err(e);
            }
            w.commit().map_err(internal).map(|_| ())
        })?;
        self.reader.reload().map_err(internal)
    }

    /// Removes the documents whose `id_field` holds one of `ids` and adds `docs` in their
    /// place (none: a plain delete), in one commit.
    fn replace(
        &self,
        id_field: Field,
        ids: impl IntoIterator<Item = Uuid>,
        docs: Vec<TantivyDocument>,
    ) -> Result<(), EngineError> {
        self.write(|w| {
            for id in ids {
                w.delete_term(Term::from_field_text(id_field, &id.to_string()));
            }
            for doc in docs {
                w.add_document(doc).map_err(internal)?;
            }
            Ok(())
        })
    }

    /// Adds documents without committing (a rebuild commits once, at the end).
    fn stage(&self, docs: Vec<TantivyDocument>) -> Result<(), EngineError> {
        self.with_writer(|w| {
            for doc in docs {
                w.add_document(doc).map_err(internal)?;
            }
            Ok(())
        })
    }

    fn commit(&self) -> Result<(), EngineError> {
        self.write(|_| Ok(()))
    }

    fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }
}

struct Generation {
    name: String,
    products: Side,
    product_fields: ProductFields,
    stalls: Side,
    stall_fields: StallFields,
}

impl Generation {
    fn open(root: &Path, name: &str) -> Result<Self, EngineError> {
        let (ps, pf) = product_schema();
        let (ss, sf) = stall_schema();
        Ok(Self {
            name: name.to_owned(),
            products: Side::open(&root.join(name).join("products"), ps)?,
            product_fields: pf,
            stalls: Side::open(&root.join(name).join("stalls"), ss)?,
            stall_fields: sf,
        })
    }
}

struct State {
    live: Arc<Generation>,
    checked: Instant,
}

/// The embedded tantivy engine.
#[derive(Clone)]
pub struct Embedded {
    root: PathBuf,
    state: Arc<RwLock<State>>,
    /// What was wrong at open, until a rebuild replaces the index.
    damage: Arc<Mutex<Option<String>>>,
    /// Regional words a query expands to.
    synonyms: Arc<Synonyms>,
}

fn read_current(root: &Path) -> Option<String> {
    std::fs::read_to_string(root.join("CURRENT"))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && !s.contains('/') && !s.contains(".."))
}

fn write_current(root: &Path, name: &str) -> Result<(), EngineError> {
    let tmp = root.join("CURRENT.tmp");
    std::fs::write(&tmp, name).map_err(internal)?;
    std::fs::rename(&tmp, root.join("CURRENT")).map_err(internal)
}

fn new_generation_name() -> String {
    format!("g{}", Uuid::now_v7().simple())
}

impl Embedded {
    /// Opens (or creates) the indexes under `root`. A missing or damaged index is replaced by
    /// an empty one and reported by [`SearchEngine::damage`]; only an unusable directory (no
    /// permission, a full disk) is an error.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, EngineError> {
        let root = root.into();
        std::fs::create_dir_all(&root).map_err(internal)?;
        let named = read_current(&root);
        let (live, damage) = match named {
            Some(name) if root.join(&name).is_dir() => match Generation::open(&root, &name) {
                Ok(g) => {
                    remove_other_generations(&root, &name);
                    (g, None)
                }
                Err(e) => {
                    let aside = move_aside(&root, &name);
                    let why = format!("index {name} does not open ({e}); moved to {aside}");
                    (fresh_generation(&root)?, Some(why))
                }
            },
            Some(name) => (
                fresh_generation(&root)?,
                Some(format!("CURRENT names {name}, which is not there")),
            ),
            None if root.join("CURRENT").exists() => (
                fresh_generation(&root)?,
                Some("CURRENT is unreadable or does not name an index".to_owned()),
            ),
            None if has_generations(&root) => (
                fresh_generation(&root)?,
                Some("CURRENT is missing".to_owned()),
            ),
            // A new index: empty, and rebuilt if the catalogue is not.
            None => (fresh_generation(&root)?, None),
        };
        if let Some(why) = &damage {
            tracing::warn!(dir = %root.display(), "search index damaged: {why}");
        }
        Ok(Self {
            root,
            state: Arc::new(RwLock::new(State {
                live: Arc::new(live),
                checked: Instant::now(),
            })),
            damage: Arc::new(Mutex::new(damage)),
            synonyms: Arc::new(Synonyms::builtin()),
        })
    }

    /// The same engine with another synonym table (the built-in one otherwise).
    #[must_use]
    pub fn with_synonyms(mut self, synonyms: Synonyms) -> Self {
        self.synonyms = Arc::new(synonyms);
        self
    }

    /// The live generation, reopened if another process swapped in a rebuilt one.
    fn live(&self) -> Result<Arc<Generation>, EngineError> {
        {
            let s = self.state.read().map_err(|_| internal("state poisoned"))?;
            if s.checked.elapsed() < SWAP_CHECK {
                return Ok(s.live.clone());
            }
        }
        let mut s = self.state.write().map_err(|_| internal("state poisoned"))?;
        s.checked = Instant::now();
        if let Some(current) = read_current(&self.root)
            && current != s.live.name
        {
            // Drop our writer's lock on the old generation before opening the new one.
            let old = std::mem::replace(
                &mut s.live,
                Arc::new(Generation::open(&self.root, &current)?),
            );
            drop(old);
            remove_other_generations(&self.root, &current);
        }
        Ok(s.live.clone())
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(Arc<Generation>) -> Result<T, EngineError> + Send + 'static,
    ) -> Result<T, EngineError> {
        let live = self.live()?;
        tokio::task::spawn_blocking(move || f(live))
            .await
            .map_err(internal)?
    }
}

/// Refuses an index whose segment files are truncated or altered, rather than fail searches
/// later. A read error is tried once more: a process sharing the index (a server beside
/// `marketplace reindex`) may have just merged segments and removed the old files.
fn verify(index: &Index) -> Result<(), EngineError> {
    let mut attempt = 0;
    loop {
        match index.validate_checksum() {
            Ok(bad) if bad.is_empty() => return Ok(()),
            Ok(bad) => {
                return Err(internal(format!(
                    "{} file(s) fail their checksum",
                    bad.len()
                )));
            }
            Err(e) if attempt > 0 => return Err(internal(e)),
            Err(_) => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
}

/// A new, empty generation made live. Other generations stay until a rebuild replaces this one.
fn fresh_generation(root: &Path) -> Result<Generation, EngineError> {
    let name = new_generation_name();
    let g = Generation::open(root, &name)?;
    write_current(root, &name)?;
    Ok(g)
}

/// Whether `root` holds any generation directory.
fn has_generations(root: &Path) -> bool {
    std::fs::read_dir(root).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().is_dir() && e.file_name().to_string_lossy().starts_with('g'))
    })
}

/// Renames a damaged generation out of the way (kept for inspection); returns where it went.
fn move_aside(root: &Path, name: &str) -> String {
    let aside = root.join(format!("damaged-{name}-{}", Uuid::now_v7().simple()));
    match std::fs::rename(root.join(name), &aside) {
        Ok(()) => aside.display().to_string(),
        Err(e) => format!("nowhere ({e}); it stays in place"),
    }
}

fn remove_other_generations(root: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() && name.starts_with('g') && name != keep {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Runs `query` with a top-k collector, a count and the product facets in one pass.
fn collect<C, K>(
    searcher: &Searcher,
    query: &dyn Query,
    top: C,
    facets: Option<AggregationCollector>,
) -> Result<(Vec<DocAddress>, u64, Option<serde_json::Value>), EngineError>
where
    C: Collector<Fruit = Vec<(K, DocAddress)>>,
{
    match facets {
        Some(aggs) => {
            let (hits, count, aggs) = searcher
                .search(query, &(top, Count, aggs))
                .map_err(internal)?;
            let aggs = serde_json::to_value(aggs).map_err(internal)?;
            Ok((
                hits.into_iter().map(|(_, a)| a).collect(),
                count as u64,
                Some(aggs),
            ))
        }
        None => {
            let (hits, count) = searcher.search(query, &(top, Count)).map_err(internal)?;
            Ok((
                hits.into_iter().map(|(_, a)| a).collect(),
                count as u64,
                None,
            ))
        }
    }
}

fn buckets(aggs: &serde_json::Value, name: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    if let Some(list) = aggs[name]["buckets"].as_array() {
        for b in list {
            let key = match &b["key"] {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n
                    .as_f64()
                    .map_or_else(|| n.to_string(), |f| format!("{}", f as i64)),
                other => other.to_string(),
            };
            let count = b["doc_count"].as_u64().unwrap_or(0);
            if !key.is_empty() && count > 0 {
                out.insert(key, count);
            }
        }
    }
    out
}

fn load<T: serde::de::DeserializeOwned>(
    searcher: &Searcher,
    doc_field: Field,
    addrs: Vec<DocAddress>,
) -> Result<Vec<T>, EngineError> {
    addrs
        .into_iter()
        .map(|a| {
            let doc: TantivyDocument = searcher.doc(a).map_err(internal)?;
            let json = doc
                .get_first(doc_field)
                .and_then(|v| v.as_str())
                .ok_or_else(|| internal("document without its source"))?;
            serde_json::from_str(json).map_err(internal)
        })
        .collect()
}

fn product_search(
    g: &Generation,
    q: &ProductQuery,
    synonyms: &Synonyms,
) -> Result<SearchResult<ProductDoc>, EngineError> {
    let f = &g.product_fields;
    let searcher = g.products.searcher();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
        Occur::Must,
        text_query(&q.text, f.text(), synonyms, &searcher),
    )];
    let term = |field: Field, value: &str| -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, value),
            IndexRecordOption::Basic,
        ))
    };
    if let Some(c) = &q.category {
        clauses.push((Occur::Must, term(f.category_path, c)));
    }
    if let Some(c) = &q.commune {
        clauses.push((Occur::Must, term(f.commune, c)));
    }
    if let Some(s) = q.stall {
        clauses.push((Occur::Must, term(f.stall, &s.to_string())));
    }
    if let Some(stars) = q.min_stars {
        clauses.push((
            Occur::Must,
            Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_u64(f.stars, u64::from(stars))),
                Bound::Unbounded,
            )),
        ));
        clauses.push((Occur::Must, i64_range(Some(q.today), None, f.valid)));
    }
    if q.price_min.is_some() || q.price_max.is_some() {
        clauses.push((Occur::Must, i64_range(q.price_min, q.price_max, f.price)));
    }
    let query = BooleanQuery::new(clauses);
    if q.lean {
        let found = searcher
            .search(
                &query,
                &TopDocs::with_limit(q.limit.max(1))
                    .and_offset(q.offset)
                    .tweak_score(tie_break),
            )
            .map_err(internal)?;
        let hits = load(
            &searcher,
            f.doc,
            found.into_iter().map(|(_, a)| a).collect(),
        )?;
        return Ok(SearchResult {
            total: hits.len() as u64,
            hits,
            facets: Facets::default(),
        });
    }
    let aggs: Aggregations = serde_json::from_value(serde_json::json!({
        "category": {"terms": {"field": "category_slug", "size": 500}},
        "commune": {"terms": {"field": "commune", "size": 500}},
        "stars": {"terms": {"field": "stars", "size": 10}},
    }))
    .map_err(internal)?;
    let facets = AggregationCollector::from_aggs(
        aggs,
        AggContextParams::new(
            AggregationLimitsGuard::default(),
            g.products.index.tokenizers().clone(),
        ),
    );
    let top = TopDocs::with_limit(q.limit.max(1)).and_offset(q.offset);
    let sort = if q.sort == ProductSort::Relevance && words(&q.text).is_empty() {
        ProductSort::Newest
    } else {
        q.sort
    };
    let by_field = match sort {
        ProductSort::Relevance => None,
        ProductSort::PriceAsc => Some(("price", Order::Asc)),
        ProductSort::PriceDesc => Some(("price", Order::Desc)),
        ProductSort::Newest => Some(("created", Order::Desc)),
        ProductSort::Bestselling => Some(("sales", Order::Desc)),
    };
    let (addrs, total, aggs) = match by_field {
        None => collect(&searcher, &query, top.tweak_score(tie_break), Some(facets))?,
        Some((field, order)) => collect(
            &searcher,
            &query,
            top.order_by_fast_field::<i64>(field, order),
            Some(facets),
        )?,
    };
    let hits = if q.limit == 0 {
        Vec::new()
    } else {
        load(&searcher, f.doc, addrs)?
    };
    let aggs = aggs.unwrap_or_default();
    let mut stars = buckets(&aggs, "stars");
    stars.remove("0");
    Ok(SearchResult {
        hits,
        total,
        facets: Facets {
            category: buckets(&aggs, "category"),
            commune: buckets(&aggs, "commune"),
            ocop_stars: stars,
        },
    })
}

fn stall_search(
    g: &Generation,
    q: &StallQuery,
    synonyms: &Synonyms,
) -> Result<SearchResult<StallDoc>, EngineError> {
    let f = &g.stall_fields;
    let searcher = g.stalls.searcher();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
        Occur::Must,
        text_query(&q.text, f.text(), synonyms, &searcher),
    )];
    if let Some(c) = &q.commune {
        clauses.push((
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_text(f.commune, c),
                IndexRecordOption::Basic,
            )),
        ));
    }
    let query = BooleanQuery::new(clauses);
    let top = TopDocs::with_limit(q.limit.max(1)).and_offset(q.offset);
    let (addrs, total, _) = if words(&q.text).is_empty() {
        collect(
            &searcher,
            &query,
            top.order_by_fast_field::<i64>("approved", Order::Desc),
            None,
        )?
    } else {
        collect(&searcher, &query, top.order_by_score(), None)?
    };
    let hits = if q.limit == 0 {
        Vec::new()
    } else {
        load(&searcher, f.doc, addrs)?
    };
    Ok(SearchResult {
        hits,
        total,
        facets: Facets::default(),
    })
}

#[async_trait]
impl SearchEngine for Embedded {
    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn upsert_products(&self, docs: Vec<ProductDoc>) -> Result<(), EngineError> {
        self.blocking(move |g| {
            let f = g.product_fields;
            let built = docs
                .iter()
                .map(|d| product_document(&f, d))
                .collect::<Result<Vec<_>, _>>()?;
            g.products.replace(f.id, docs.iter().map(|d| d.id), built)
        })
        .await
    }

    async fn delete_products(&self, ids: Vec<Uuid>) -> Result<(), EngineError> {
        self.blocking(move |g| g.products.replace(g.product_fields.id, ids, Vec::new()))
            .await
    }

    async fn upsert_stalls(&self, docs: Vec<StallDoc>) -> Result<(), EngineError> {
        self.blocking(move |g| {
            let f = g.stall_fields;
            let built = docs
                .iter()
                .map(|d| stall_document(&f, d))
                .collect::<Result<Vec<_>, _>>()?;
            g.stalls.replace(f.id, docs.iter().map(|d| d.id), built)
        })
        .await
    }

    async fn delete_stalls(&self, ids: Vec<Uuid>) -> Result<(), EngineError> {
        self.blocking(move |g| g.stalls.replace(g.stall_fields.id, ids, Vec::new()))
            .await
    }

    async fn search_products(
        &self,
        q: &ProductQuery,
    ) -> Result<SearchResult<ProductDoc>, EngineError> {
        let q = q.clone();
        let synonyms = self.synonyms.clone();
        self.blocking(move |g| product_search(&g, &q, &synonyms))
            .await
    }

    async fn search_stalls(&self, q: &StallQuery) -> Result<SearchResult<StallDoc>, EngineError> {
        let q = q.clone();
        let synonyms = self.synonyms.clone();
        self.blocking(move |g| stall_search(&g, &q, &synonyms))
            .await
    }

    async fn health(&self) -> Result<(), EngineError> {
        self.live().map(|_| ())
    }

    fn damage(&self) -> Option<String> {
        self.damage
            .lock()
            .map_or_else(|p| p.into_inner().clone(), |d| d.clone())
    }

    async fn product_count(&self) -> Result<Option<u64>, EngineError> {
        let live = self.live()?;
        Ok(Some(live.products.searcher().num_docs()))
    }

    async fn rebuild(&self) -> Result<Box<dyn IndexBuild + '_>, EngineError> {
        let name = new_generation_name();
        let root = self.root.clone();
        let generation = tokio::task::spawn_blocking(move || Generation::open(&root, &name))
            .await
            .map_err(internal)??;
        Ok(Box::new(EmbeddedBuild {
            engine: self.clone(),
            generation: Some(generation),
        }))
    }
}

struct EmbeddedBuild {
    engine: Embedded,
    generation: Option<Generation>,
}

impl EmbeddedBuild {
    fn generation(&self) -> Result<&Generation, EngineError> {
        self.generation
            .as_ref()
            .ok_or_else(|| internal("build already finished"))
    }
}

#[async_trait]
impl IndexBuild for EmbeddedBuild {
    async fn add_products(&mut self, docs: Vec<ProductDoc>) -> Result<(), EngineError> {
        let g = self.generation()?;
        let f = g.product_fields;
        let docs = docs
            .iter()
            .map(|d| product_document(&f, d))
            .collect::<Result<Vec<_>, _>>()?;
        tokio::task::block_in_place(|| g.products.stage(docs))
    }

    async fn add_stalls(&mut self, docs: Vec<StallDoc>) -> Result<(), EngineError> {
        let g = self.generation()?;
        let f = g.stall_fields;
        let docs = docs
            .iter()
            .map(|d| stall_document(&f, d))
            .collect::<Result<Vec<_>, _>>()?;
        tokio::task::block_in_place(|| g.stalls.stage(docs))
    }

    async fn finish(mut self: Box<Self>) -> Result<(), EngineError> {
        let g = self
            .generation
            .take()
            .ok_or_else(|| internal("build already finished"))?;
        // One commit per index for the whole rebuild.
        tokio::task::block_in_place(|| {
            g.products.commit()?;
            g.stalls.commit()
        })?;
        let name = g.name.clone();
        write_current(&self.engine.root, &name)?;
        let mut s = self
            .engine
            .state
            .write()
            .map_err(|_| internal("state poisoned"))?;
        let old = std::mem::replace(&mut s.live, Arc::new(g));
        s.checked = Instant::now();
        drop(old);
        remove_other_generations(&self.engine.root, &name);
        if let Ok(mut damage) = self.engine.damage.lock() {
            *damage = None;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_syllables_split_into_the_fewest_known_words() {
        let vocabulary = [
            "ho", "tieu", "do", "vinh", "linh", "mat", "ong", "rung", "nuoc", "mam",
        ];
        let known = |w: &str| vocabulary.contains(&w);
        let split = |w: &str| split_known(w, known);
        assert_eq!(split("tieuvinhlinh").unwrap(), ["tieu", "vinh", "linh"]);
        assert_eq!(split("matongrung").unwrap(), ["mat", "ong", "rung"]);
        assert_eq!(split("nuocmam").unwrap(), ["nuoc", "mam"]);
        assert_eq!(split("tieu"), None, "a known word stays whole");
        assert_eq!(split("tieuxyz"), None, "every part must be known");
        assert_eq!(split("abc"), None);
    }
}
