//! Buyers' reviews of what they received (the E-commerce Law: a platform may neither fake
//! reviews nor suppress lawful ones).
//!
//! Only the buyer of a delivered order line reviews it, once (a unique index on the line, so
//! two requests racing for it make one review); the author edits it for
//! `reviews.edit_window_days`; a member of the stall replies once, publicly. Anyone signed in
//! reports a review, once; administrators hide one with a reason the author hears (its open
//! reports close) and show it again. A stall has no way to hide or delete a review: there is
//! no such use case. A hidden review is in no public list and counts in no rating.
//!
//! Ratings are the catalogue's ([`catalog::ratings`]): every review written, its stars
//! changed, hidden or shown again calls [`catalog::ratings::record`] in the review's own
//! transaction, which also moves the product's and stall's search documents through the
//! outbox.
//!
//! Layers, each using only those above it:
//! - types: [`review`] (what is sent, checked whole; what is shown; reports' reasons and
//!   states), [`entity`] (the tables), [`error`];
//! - [`store`]: the queries and the views, over any connection;
//! - use cases on [`Reviews`], which own authorization and transactions and never call each
//!   other: [`writing`] (review, edit, reply), [`moderation`] (report, the administrators'
//!   queue, hide, show again), [`reading`] (a product's or a stall's reviews, one review).
//!
//! Other crates are reached through their public APIs: the order crate says which delivered
//! lines a buyer may review ([`order::reviewable::delivered_lines`]), the catalogue what the
//! public sees and who belongs to a stall, media whose photos are whose, accounts the
//! authors' names.

pub mod entity;
pub mod error;
pub mod moderation;
pub mod reading;
pub mod review;
pub mod store;
pub mod writing;

use accounts::Accounts;
use catalog::Catalog;

pub use error::ReviewsError;
pub use review::{
    Author, Hidden, ListFilter, NewReply, NewReview, NewReviewReport, Reply, ReportReason,
    ReportStatus, Review, ReviewPatch, ReviewReport, Sort,
};

/// Result of the reviews' use cases.
pub type Result<T, E = ReviewsError> = std::result::Result<T, E>;

/// What the reviews follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReviewSettings {
    /// For how many days after writing it the author may edit a review (0: never).
    pub edit_window_days: u32,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        Self {
            edit_window_days: 30,
        }
    }
}

/// The reviews service.
#[derive(Clone)]
pub struct Reviews {
    catalog: Catalog,
    accounts: Accounts,
    media: media::Media,
    settings: ReviewSettings,
}

impl std::fmt::Debug for Reviews {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reviews")
            .field("settings", &self.settings)
            .finish()
    }
}

impl Reviews {
    /// Reviews of `catalog`'s products, naming authors through `accounts`, with photos from
    /// `media`.
    pub fn new(
        catalog: Catalog,
        accounts: Accounts,
        media: media::Media,
        settings: ReviewSettings,
    ) -> Self {
        Self {
            catalog,
            accounts,
            media,
            settings,
        }
    }

    /// Its settings.
    pub fn settings(&self) -> ReviewSettings {
        self.settings
    }
}

/// A report as filed: whether it is new (`false`: the caller's earlier report of the same
/// review, returned instead of a second one).
#[derive(Clone, Debug)]
pub struct Filed {
    /// The report.
    pub report: ReviewReport,
    /// Whether this request made it.
    pub created: bool,
}
