//! Reports of listings and takedowns (Decree 52/2013 as amended by Decree 85/2021; the
//! E-commerce Law): anyone may report a product or a stall the public sees; an administrator
//! records a competent authority's request for removal, which is due 24 hours after its
//! receipt; administrators work the queue (authority requests first, then the oldest report),
//! take the listing down with a reason its stall hears (every open report of it closes) or
//! dismiss the report; the stall may fix the listing and ask for a review, which an
//! administrator lifts or upholds. How often a stall was taken down shows beside every report
//! and takedown of it.
//!
//! Layers, each using only those above it:
//! - types: [`report`] (kinds, reasons, statuses, what is sent and shown, the checks) and
//!   [`takedown`] (the takedown's state machine and view), [`entity`] (the tables);
//! - [`store`]: the queries and the rows' views, over any connection;
//! - the use cases on [`Reports`], each opening its own write transaction: [`filing`] (report,
//!   record an authority's request), [`deciding`] (the queue, take down, dismiss), [`review`]
//!   (ask for a review, lift, uphold, the takedowns), [`personal`] (a user's reports for
//!   export and erasure), and [`gauges`] for `/metrics`.
//!
//! The catalogue is reached through its public API only: what the public sees
//! ([`catalog::Catalog::product`], [`catalog::Catalog::stall`]), and the takedown itself
//! ([`catalog::Catalog::take_down_product`] and its kin), run in this crate's transaction so
//! the listing goes down exactly when the reports close.

pub mod deciding;
pub mod entity;
pub mod filing;
pub mod gauges;
pub mod personal;
pub mod report;
pub mod review;
pub mod store;
pub mod takedown;

use accounts::Accounts;
use catalog::Catalog;

use crate::ComplianceError;

pub use deciding::QueueFilter;
pub use gauges::ReportGauges;
pub use report::{
    Closing, ListingRef, ListingType, NewAuthorityRequest, NewReport, Report, ReportCounts,
    ReportKind, ReportQueue, ReportReason, ReportStatus, ReportedListing,
};
pub use takedown::{Takedown, TakedownAction, TakedownStatus};

/// The reports office: reports, authority requests, takedowns and their reviews.
#[derive(Clone)]
pub struct Reports {
    catalog: Catalog,
    accounts: Accounts,
}

impl std::fmt::Debug for Reports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reports")
    }
}

impl Reports {
    /// An office taking listings down through `catalog`, and finding the administrators to
    /// alert through `accounts`.
    pub fn new(catalog: Catalog, accounts: Accounts) -> Self {
        Self { catalog, accounts }
    }
}

/// Result of the reports office's use cases.
pub type Result<T, E = ComplianceError> = std::result::Result<T, E>;

/// A report as filed: whether it is new (`false`: the same user's open report of the same
/// listing, returned instead of a second one).
#[derive(Clone, Debug)]
pub struct Filed {
    /// The report.
    pub report: Report,
    /// Whether this request made it.
    pub created: bool,
}
