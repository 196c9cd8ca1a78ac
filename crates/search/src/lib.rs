//! Search: products and stalls as buyers type them, in Vietnamese, with or without diacritics,
//! with typos, while still typing.
//!
//! Two engines behave alike behind [`SearchEngine`]: Meilisearch in production and an embedded
//! tantivy index for one-binary deployments. The index is a projection of the catalogue kept
//! true by the [`indexer`], which drains the `search_outbox` the catalogue writes in the same
//! transaction as each change.

pub mod document;
pub mod embedded;
pub mod engine;
mod exact;
pub mod indexer;
pub mod meili;
pub mod misses;
pub mod query;
pub mod service;
mod syllables;
pub mod synonyms;
pub mod vocabulary;

pub use engine::{EngineError, SearchEngine};
pub use service::{ProductSearch, Search, StallSearch};
