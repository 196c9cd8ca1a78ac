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

mod build;
mod files;
mod query;
mod schema;
mod search;

use std::{
    path::PathBuf,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use async_trait::async_trait;
use uuid::Uuid;

use self::{
    build::EmbeddedBuild,
    files::{
        Generation, fresh_generation, has_generations, move_aside, new_generation_name,
        read_current, remove_other_generations,
    },
    schema::{product_document, stall_document},
    search::{product_search, stall_search},
};
use crate::{
    document::{ProductDoc, StallDoc},
    engine::{EngineError, IndexBuild, SearchEngine},
    query::{ProductQuery, SearchResult, StallQuery},
    synonyms::Synonyms,
};

const SWAP_CHECK: Duration = Duration::from_secs(1);

fn internal(e: impl std::fmt::Display) -> EngineError {
    EngineError::Internal(e.to_string())
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

impl Embedded {
    /// Opens (or creates) the indexes under `root`. A missing or damaged index is replaced by
    /// an empty one and reported by [`SearchEngine::damage`]; only an unusable directory (no
    /// permission, a full disk) is an error.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, EngineError> {
        let root = root.into();
        std::fs::create_dir_all(&root).map_err(internal)?;
        // Processes starting at once over one directory open it one after the other: else two
        // would each make a new generation, and the one that opened the other's would remove
        // the first's under it as stale.
        let lock = std::fs::File::create(root.join("open.lock")).map_err(internal)?;
        lock.lock().map_err(internal)?;
        let opened = Self::open_locked(root);
        drop(lock);
        opened
    }

    /// [`Embedded::open`], holding the directory's lock.
    fn open_locked(root: PathBuf) -> Result<Self, EngineError> {
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
            g.products
                .replace(f.base.id, docs.iter().map(|d| d.id), built)
        })
        .await
    }

    async fn delete_products(&self, ids: Vec<Uuid>) -> Result<(), EngineError> {
        self.blocking(move |g| {
            g.products
                .replace(g.product_fields.base.id, ids, Vec::new())
        })
        .await
    }

    async fn upsert_stalls(&self, docs: Vec<StallDoc>) -> Result<(), EngineError> {
        self.blocking(move |g| {
            let f = g.stall_fields;
            let built = docs
                .iter()
                .map(|d| stall_document(&f, d))
                .collect::<Result<Vec<_>, _>>()?;
            g.stalls
                .replace(f.base.id, docs.iter().map(|d| d.id), built)
        })
        .await
    }

    async fn delete_stalls(&self, ids: Vec<Uuid>) -> Result<(), EngineError> {
        self.blocking(move |g| g.stalls.replace(g.stall_fields.base.id, ids, Vec::new()))
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
