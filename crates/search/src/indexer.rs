//! Keeps the search indexes true to the catalogue.
//!
//! The catalogue writes a `search_outbox` row in the same transaction as every change the
//! public can see. The worker claims rows in batches ([`outbox::claim`], a [`jobs::Lease`]: on
//! PostgreSQL with `FOR UPDATE SKIP LOCKED`, so any number of gateway instances share the work),
//! loads the *current* state of each entity, and upserts or deletes its document; only then are
//! the rows deleted. Replays are harmless and a search engine that is down loses nothing: claims
//! lapse, rows wait, and the index converges when the engine returns. Two jobs run it:
//! [`IndexOutbox`] drains the outbox, [`SweepLapsed`] queues products whose certificate lapsed.

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
    time::Duration,
};

use jobs::{Job, JobError, Schedule};

use catalog::{
    Catalog,
    entity::search_outbox,
    indexing::{self, Category, Stall},
    outbox,
};
use chrono::{NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use crate::{
    SearchEngine,
    document::{product_doc, product_visible, stall_doc},
    engine::IndexBuild,
};

/// How long a claim lasts before another worker may retry the row, in seconds: what a crashed
/// worker leaves is picked up this soon. A pass is far shorter (a batch of rows, a few engine
/// calls); one that runs longer only lets another worker repeat idempotent work.
const CLAIM_SECS: i64 = 5;
/// Rows claimed at once: large, since an engine applies a large batch of documents about as
/// fast as a small one (Meilisearch batches the tasks it queues itself).
const BATCH: u64 = 1000;
/// Documents sent to the engine at once.
const CHUNK: usize = 1000;

/// Why a pass of the indexer failed.
#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    /// The engine failed; the rows stay and are retried.
    #[error(transparent)]
    Engine(#[from] crate::EngineError),
}

/// How far behind the index is.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Backlog {
    /// Rows waiting.
    pub rows: u64,
    /// Age of the oldest waiting row, in seconds.
    pub oldest_secs: f64,
}

/// Rows waiting and the age of the oldest.
pub async fn backlog<C: ConnectionTrait>(db: &C) -> Result<Backlog, sea_orm::DbErr> {
    let (rows, oldest) = outbox::waiting(db).await?;
    Ok(Backlog {
        rows,
        oldest_secs: oldest.map_or(0.0, |o| {
            (Utc::now() - o).num_milliseconds().max(0) as f64 / 1000.0
        }),
    })
}

/// The entities a batch of outbox rows names, by kind.
#[derive(Debug, Default, PartialEq)]
struct Stale {
    products: BTreeSet<Uuid>,
    stalls: BTreeSet<Uuid>,
    categories: BTreeSet<Uuid>,
}

impl Stale {
    /// Sorts the rows by kind. A row of no known kind is corrupt: it is logged and left out
    /// (nothing can be refreshed for it, and kept it would be claimed again forever).
    fn of(rows: &[search_outbox::Model]) -> Self {
        let mut stale = Self::default();
        for r in rows {
            match common::stored::read::<outbox::Entity>(&r.entity) {
                Ok(outbox::Entity::Product) => stale.products.insert(r.entity_id),
                Ok(outbox::Entity::Stall) => stale.stalls.insert(r.entity_id),
                Ok(outbox::Entity::Category) => stale.categories.insert(r.entity_id),
                Err(corrupt) => {
                    tracing::error!(row = r.id, %corrupt, "dropped a corrupt search outbox row");
                    false
                }
            };
        }
        stale
    }
}

/// The outbox worker.
#[derive(Clone)]
pub struct Indexer {
    engine: Arc<dyn SearchEngine>,
    catalog: Catalog,
}

impl Indexer {
    /// A worker writing to `engine`.
    pub fn new(engine: Arc<dyn SearchEngine>, catalog: Catalog) -> Self {
        Self { engine, catalog }
    }

    /// Claims a batch of rows nobody else holds, counting the attempt.
    async fn claim(
        &self,
        db: &DatabaseConnection,
    ) -> Result<Vec<search_outbox::Model>, sea_orm::DbErr> {
        outbox::claim(db, chrono::Duration::seconds(CLAIM_SECS), BATCH).await
    }

    /// One pass: claims a batch, refreshes its documents, deletes the rows. Returns how many
    /// rows were done (0: nothing waiting).
    pub async fn run_once(&self, db: &DatabaseConnection) -> Result<usize, IndexerError> {
        // An idle worker only reads (the lease looks before it writes on SQLite).
        let rows = self.claim(db).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let Stale {
            products,
            stalls,
            categories,
        } = Stale::of(&rows);
        self.refresh(db, products, stalls, categories).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        outbox::remove(db, &ids).await?;
        Ok(rows.len())
    }

    /// Writes the current state of these entities (and of everything they carry: a stall's
    /// products, a category's products) to the engine.
    async fn refresh(
        &self,
        db: &DatabaseConnection,
        mut products: BTreeSet<Uuid>,
        stalls: BTreeSet<Uuid>,
        categories: BTreeSet<Uuid>,
    ) -> Result<(), IndexerError> {
        let all_categories = indexing::categories_by_id(db).await?;
        if !categories.is_empty() {
            products
                .extend(indexing::products_in_categories(db, &all_categories, &categories).await?);
        }
        if !stalls.is_empty() {
            products.extend(self.refresh_stalls(db, &stalls).await?);
        }
        let ids: Vec<Uuid> = products.into_iter().collect();
        let today = Catalog::today();
        for chunk in ids.chunks(CHUNK) {
            self.refresh_products(db, chunk, &all_categories, today)
                .await?;
        }
        Ok(())
    }

    /// Writes these stalls' documents, or deletes those of stalls the public no longer sees;
    /// returns the ids of their products, whose documents carry the stall.
    async fn refresh_stalls(
        &self,
        db: &DatabaseConnection,
        stalls: &BTreeSet<Uuid>,
    ) -> Result<Vec<Uuid>, IndexerError> {
        let found = indexing::stalls(db, stalls.iter().copied()).await?;
        let (live, gone): (Vec<_>, Vec<_>) = found
            .into_iter()
            .partition(catalog::visibility::stall_is_public);
        let mut deleted: Vec<Uuid> = gone.iter().map(|s| s.id).collect();
        deleted.extend(
            stalls
                .iter()
                .filter(|id| !live.iter().chain(gone.iter()).any(|s| s.id == **id)),
        );
        let docs = live
            .iter()
            .map(|s| stall_doc(s, self.catalog.regions()))
            .collect::<Vec<_>>();
        self.engine.upsert_stalls(docs).await?;
        self.engine.delete_stalls(deleted).await?;
        Ok(indexing::products_of_stalls(db, stalls.iter().copied()).await?)
    }

    /// Writes the documents of these products the public sees, and deletes the others'.
    async fn refresh_products(
        &self,
        db: &DatabaseConnection,
        ids: &[Uuid],
        categories: &HashMap<Uuid, Category>,
        today: NaiveDate,
    ) -> Result<(), IndexerError> {
        let found = indexing::products(db, ids.iter().copied()).await?;
        let stall_ids: BTreeSet<Uuid> = found.iter().map(|p| p.stall_id).collect();
        let owners: HashMap<Uuid, Stall> = indexing::stalls(db, stall_ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let mut docs = Vec::new();
        let mut visible = BTreeSet::new();
        for p in &found {
            if let Some(s) = owners.get(&p.stall_id)
                && product_visible(p, s)
            {
                docs.push(product_doc(p, s, categories, today));
                visible.insert(p.id);
            }
        }
        let gone: Vec<Uuid> = ids
            .iter()
            .filter(|id| !visible.contains(id))
            .copied()
            .collect();
        self.engine.upsert_products(docs).await?;
        self.engine.delete_products(gone).await?;
        Ok(())
    }
}

/// Queues products whose certificate lapsed in the last two days, so their stars leave the
/// index (searches already ignore a lapsed certificate; this makes facets exact too).
pub async fn sweep_lapsed<C: ConnectionTrait>(db: &C) -> Result<u64, sea_orm::DbErr> {
    let today = Catalog::today();
    let lapsed = indexing::lapsed_certificates(db, today, 2).await?;
    for id in &lapsed {
        outbox::enqueue(db, outbox::Entity::Product, *id).await?;
    }
    Ok(lapsed.len() as u64)
}

/// The job that drains the outbox into the engine, a batch a run; polls every 100 ms once the
/// outbox is empty.
pub struct IndexOutbox {
    indexer: Indexer,
    db: DatabaseConnection,
}

impl IndexOutbox {
    /// `indexer` draining the outbox of `db`.
    pub fn new(indexer: Indexer, db: DatabaseConnection) -> Self {
        Self { indexer, db }
    }
}

#[jobs::async_trait]
impl Job for IndexOutbox {
    fn kind(&self) -> &'static str {
        "search_index"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Drain {
            batch: BATCH,
            idle: Duration::from_millis(100),
        }
    }

    async fn run(&self) -> Result<u64, JobError> {
        let rows = self.indexer.run_once(&self.db).await?;
        if rows > 0 {
            tracing::debug!(rows, engine = self.indexer.engine.name(), "indexed");
        }
        Ok(rows as u64)
    }
}

/// The hourly job that queues products whose OCOP certificate lapsed ([`sweep_lapsed`]).
pub struct SweepLapsed {
    db: DatabaseConnection,
}

impl SweepLapsed {
    /// The sweep over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[jobs::async_trait]
impl Job for SweepLapsed {
    fn kind(&self) -> &'static str {
        "search_lapsed_certificates"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Every(Duration::from_secs(3600))
    }

    async fn run(&self) -> Result<u64, JobError> {
        let products = sweep_lapsed(&self.db).await?;
        if products > 0 {
            tracing::info!(products, "queued products whose OCOP certificate lapsed");
        }
        Ok(products)
    }
}

/// The job that, every minute, refreshes the products whose sale began or ended since its
/// previous pass ([`catalog::sale_boundaries::pass`]): their prices in force and, through the
/// outbox, their search documents, so sorting and filtering by price follow a sale.
pub struct SaleBoundaries {
    db: DatabaseConnection,
}

impl SaleBoundaries {
    /// The pass over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[jobs::async_trait]
impl Job for SaleBoundaries {
    fn kind(&self) -> &'static str {
        "search_sale_boundaries"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Every(Duration::from_secs(60))
    }

    async fn run(&self) -> Result<u64, JobError> {
        let products = catalog::sale_boundaries::pass(&self.db, chrono::Utc::now()).await?;
        if products > 0 {
            tracing::info!(products, "queued products whose sale began or ended");
        }
        Ok(products)
    }
}

/// What a reindex did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reindexed {
    /// Products written to the new index.
    pub products: u64,
    /// Stalls written to it.
    pub stalls: u64,
    /// Outbox rows the new index already covers, removed instead of re-applied.
    pub covered_rows: u64,
}

/// Rebuilds both indexes from the database into new ones and swaps them in; searches keep
/// working throughout. Changes made while it runs are queued again afterwards, so none is
/// missed; outbox rows that were committed before it began are covered by the new index (it
/// read everything after them) and are removed rather than re-applied, so a bulk import
/// followed by a reindex leaves no backlog. `progress(done, total)` reports products written.
pub async fn reindex(
    db: &DatabaseConnection,
    engine: &dyn SearchEngine,
    catalog: &Catalog,
    progress: impl FnMut(u64, u64),
) -> Result<Reindexed, IndexerError> {
    let started = Utc::now();
    // Exactly the rows visible now: their transactions have committed, so every read below
    // sees their changes. A row committed later (even with a lower id) is not among them.
    let covered = outbox::ids(db).await?;
    let mut build = engine.rebuild().await?;
    let stalls = indexing::public_stalls(db).await?;
    let docs = stalls
        .values()
        .map(|s| stall_doc(s, catalog.regions()))
        .collect::<Vec<_>>();
    for chunk in docs.chunks(CHUNK) {
        build.add_stalls(chunk.to_vec()).await?;
    }
    let products = add_all_products(db, build.as_mut(), &stalls, progress).await?;
    build.finish().await?;
    outbox::queue_changed_since(db, started).await?;
    outbox::remove(db, &covered).await?;
    Ok(Reindexed {
        products,
        stalls: stalls.len() as u64,
        covered_rows: covered.len() as u64,
    })
}

/// Adds the document of every product the public sees to `build`, a page at a time, reporting
/// `progress(done, total)`; returns how many products were read.
async fn add_all_products(
    db: &DatabaseConnection,
    build: &mut (dyn IndexBuild + '_),
    stalls: &HashMap<Uuid, Stall>,
    mut progress: impl FnMut(u64, u64),
) -> Result<u64, IndexerError> {
    let categories = indexing::categories_by_id(db).await?;
    let total = indexing::count_public_products(db).await?;
    let today = Catalog::today();
    let mut done = 0;
    let mut after: Option<Uuid> = None;
    progress(0, total);
    loop {
        let page = indexing::public_products_after(db, after, 2000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let docs: Vec<_> = page
            .iter()
            .filter_map(|p| {
                let s = stalls.get(&p.stall_id)?;
                product_visible(p, s).then(|| product_doc(p, s, &categories, today))
            })
            .collect();
        done += page.len() as u64;
        build.add_products(docs).await?;
        progress(done.min(total), total);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use common::Stored;

    use super::*;

    #[test]
    fn rows_are_sorted_by_kind_and_a_corrupt_kind_is_left_out() {
        let ids: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
        let row = |n: usize, entity: &str| search_outbox::Model {
            id: n as i64,
            entity: entity.into(),
            entity_id: ids[n],
            created_at: Utc::now(),
            claimed_until: None,
            attempts: 1,
        };
        let rows = [
            row(0, outbox::Entity::Product.as_str()),
            row(1, outbox::Entity::Stall.as_str()),
            row(2, outbox::Entity::Category.as_str()),
            row(3, "products"),
            row(4, ""),
        ];
        assert_eq!(
            Stale::of(&rows),
            Stale {
                products: BTreeSet::from([ids[0]]),
                stalls: BTreeSet::from([ids[1]]),
                categories: BTreeSet::from([ids[2]]),
            }
        );
    }
}
