//! The engine interface both adapters implement, held to the same behaviour by one contract
//! test suite.

use async_trait::async_trait;
use uuid::Uuid;

use crate::{
    document::{ProductDoc, StallDoc},
    query::{ProductQuery, SearchResult, StallQuery},
};

/// Why an engine call failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The engine cannot be reached or refused the work; retrying later may succeed.
    #[error("search engine unavailable: {0}")]
    Unavailable(String),
    /// The engine failed in a way retrying will not fix.
    #[error("search engine error: {0}")]
    Internal(String),
}

impl From<EngineError> for common::Error {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Unavailable(_) => {
                let mut err = common::Error::new(
                    common::ErrorKind::Unavailable,
                    "search_unavailable",
                    "Search is unavailable right now; try again shortly. Browsing, carts, checkout and orders keep working.",
                );
                err.source = Some(Box::new(e));
                err
            }
            EngineError::Internal(_) => common::Error::internal(e),
        }
    }
}

/// Writes documents into a fresh index that replaces the live one when finished.
#[async_trait]
pub trait IndexBuild: Send {
    /// Adds a batch of product documents.
    async fn add_products(&mut self, docs: Vec<ProductDoc>) -> Result<(), EngineError>;
    /// Adds a batch of stall documents.
    async fn add_stalls(&mut self, docs: Vec<StallDoc>) -> Result<(), EngineError>;
    /// Swaps the new indexes in atomically; searches never see a half-built index.
    async fn finish(self: Box<Self>) -> Result<(), EngineError>;
}

/// A search engine holding `products` and `stalls`.
#[async_trait]
pub trait SearchEngine: Send + Sync {
    /// A short name for logs and metrics (`meilisearch`, `embedded`).
    fn name(&self) -> &'static str;
    /// Adds or replaces product documents.
    async fn upsert_products(&self, docs: Vec<ProductDoc>) -> Result<(), EngineError>;
    /// Removes product documents (absent ids are fine).
    async fn delete_products(&self, ids: Vec<Uuid>) -> Result<(), EngineError>;
    /// Adds or replaces stall documents.
    async fn upsert_stalls(&self, docs: Vec<StallDoc>) -> Result<(), EngineError>;
    /// Removes stall documents.
    async fn delete_stalls(&self, ids: Vec<Uuid>) -> Result<(), EngineError>;
    /// Searches products.
    async fn search_products(
        &self,
        q: &ProductQuery,
    ) -> Result<SearchResult<ProductDoc>, EngineError>;
    /// Searches stalls.
    async fn search_stalls(&self, q: &StallQuery) -> Result<SearchResult<StallDoc>, EngineError>;
    /// A suggestion's products and stalls for one partial query; both at once by default, in
    /// one request where the engine can.
    async fn suggest(
        &self,
        products: &ProductQuery,
        stalls: &StallQuery,
    ) -> Result<(SearchResult<ProductDoc>, SearchResult<StallDoc>), EngineError> {
        tokio::try_join!(self.search_products(products), self.search_stalls(stalls))
    }
    /// Whether the engine answers.
    async fn health(&self) -> Result<(), EngineError>;
    /// Starts building replacement indexes.
    async fn rebuild(&self) -> Result<Box<dyn IndexBuild + '_>, EngineError>;
    /// What was wrong with a local index when the engine opened it (missing, or corrupt and
    /// moved aside): the index must be rebuilt from the database. `None` for a remote engine.
    fn damage(&self) -> Option<String> {
        None
    }
    /// How many product documents the index holds, when the engine can tell cheaply; an
    /// empty index over a non-empty catalogue is rebuilt at start.
    async fn product_count(&self) -> Result<Option<u64>, EngineError> {
        Ok(None)
    }
}
