//! The catalogue: stalls and their members, categories, products with OCOP certificates,
//! communes, and the moderation that decides what the public sees, with every decision on record.
//!
//! Services check authorization themselves (never only the routes): a vendor touches only its
//! own stalls' products, only administrators moderate, and another user's private stall or
//! product is "not found".
//!
//! Layers, each using only those above it:
//! - types: [`stall`] (legal forms, roles and the status state machine), [`product`] (OCOP
//!   claims and the rules for a listing), [`facts`] (what a label states, and what each
//!   category requires, as data), [`documents`] (the business documents a category's
//!   products need their stall to hold, as data the compliance office gives), [`category`],
//!   [`region`] and [`nation`] (communes as data), [`entity`] (the tables); every closed set
//!   is stored as text through [`common::Stored`], and a row holding anything else is an
//!   internal error, never a default;
//! - shared rules and steps: [`visibility`] (the one rule for what the public sees, in Rust and
//!   in SQL), [`audit`] (the moderation record), [`outbox`] (what search must refresh),
//!   [`stock`] (reserving and releasing, for checkouts), [`lookup`] (what other domains read
//!   by id), [`indexing`] (what the search indexer reads to build its documents), [`ratings`]
//!   (the sums of buyers' stars on products and stalls);
//! - [`sale`]: sale prices with a window, and the one rule for the price in force at an
//!   instant (answers, carts, checkouts and search documents read it); [`sale_boundaries`]:
//!   the pass that refreshes products whose sale began or ended;
//! - [`service`]: the use cases on [`Catalog`], each opening its own write transaction.
//!
//! The walk of `POST /api/v1/admin/stalls/{id}/approve`: the gateway's route calls
//! [`Catalog::moderate_stall`], which requires an administrator, opens one write transaction
//! (`common::begin_write`), reads the stall and its stored status ([`common::stored()`]), asks the
//! state machine ([`stall::StallStatus::apply`]) for the next status, updates the row, writes
//! the [`audit`] entry and the search [`outbox`] row, tells the stall's members and webhooks
//! ([`tell_stall`], through `notify`), commits, and returns the stall as an administrator sees
//! it. The search indexer later picks the outbox row up.
//!
//! Ratings: whoever writes a buyer's review calls [`ratings::record`] in its own transaction
//! with a [`ratings::RatingChange`] (stars added, removed, or both for an edit). It moves the
//! product's `rating_count`, `rating_sum` and per-star counts `rating_1`..`rating_5` and its
//! stall's `rating_count` and `rating_sum` by relative updates (concurrent reviews never lose
//! one) and queues both search documents; [`ratings::Rating`] is what answers show of them.

pub mod audit;
pub mod category;
pub mod documents;
pub mod entity;
pub mod error;
pub mod facts;
pub mod figures;
pub mod indexing;
pub mod lookup;
pub mod nation;
pub mod offer;
pub mod outbox;
pub mod photos;
pub mod product;
pub mod ratings;
pub mod region;
pub mod sale;
pub mod sale_boundaries;
pub mod service;
pub mod stall;
pub mod stock;
#[cfg(feature = "synthetic")]
pub mod synthetic;
pub mod variant;
pub mod visibility;

pub use error::CatalogError;
pub use region::Regions;
pub use service::{Catalog, stall_audiences, tell_stall};
