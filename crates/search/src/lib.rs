//! Search: products and stalls as buyers type them, in Vietnamese, with or without diacritics,
//! with typos, while still typing.
//!
//! Two engines behave alike behind [`SearchEngine`]: Meilisearch in production and an embedded
//! tantivy index for one-binary deployments. The index is a projection of the catalogue kept
//! true by the [`indexer`], which drains the `search_outbox` the catalogue writes in the same
//! transaction as each change.
//!
//! Layers, each using only those above it:
//! - [`document`] (what an engine stores, built from the catalogue's rows and its
//!   [`catalog::visibility`] rule), [`query`] (what a search asks and answers), the Vietnamese
//!   word tools ([`synonyms`], [`vocabulary`], `syllables`, `exact`);
//! - [`engine`]: the [`SearchEngine`] trait, with one adapter per engine: [`meili`] and
//!   [`embedded`];
//! - [`indexer`] (the outbox worker and the rebuild) and [`misses`] (searches that found
//!   nothing);
//! - [`service`]: [`Search`], the checked searches the gateway calls.
//!
//! The walk of `GET /api/v1/search/products?q=nuoc+mam`: the gateway's route calls
//! [`Search::products`], which checks every parameter (naming each bad field; a category or
//! stall filter is looked up through the catalogue's public API), asks the engine for a
//! [`query::ProductQuery`], turns the hits into summaries (stars shown only while the
//! certificate is valid today), and when nothing is found records the miss and offers a
//! correction from the catalogue's [`vocabulary`]. The write side: a catalogue change leaves an
//! outbox row; [`indexer::Indexer`] claims it, reads the current rows and upserts or deletes
//! the documents.

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
