//! The vendors' money: what the marketplace owes each stall, what it keeps and what it
//! withholds for the tax authority, and how the stall is paid.
//!
//! Layers, each using only those above it:
//! - types: [`kind`] (entry kinds, who holds an order's money, payout statuses; the stored
//!   ones read back checked), [`rates`] (pure: shares rounded half up, the commission rule that
//!   applies, who is withheld on and Decree 117's rates read from
//!   `config/tax/withholding.toml`), [`csv`] (pure), [`entity`] (the tables;
//!   `ledger_entries` is append-only, database triggers refuse updates and deletes, so
//!   corrections are new entries);
//! - `access`: who may see and change a stall's money (its members and the administrators;
//!   anyone else gets "not found"), membership asked of the catalogue's public API;
//! - `store`: transaction-level steps the use cases share (append an entry, sum a stall's
//!   entries, what is payable now, a stall and its legal form read from the catalogue);
//! - [`views`]: an entry as members and administrators read it;
//! - use cases, which call the store and the views and never each other: [`earn`] (a
//!   delivered order's entries and their reversal after a refund, whole or in part (the
//!   commission and withholding in proportion, to the đồng), written in the caller's
//!   transaction from plain data: the ledger knows nothing of orders), [`adjust`]
//!   (administrators' corrections), [`rules`] (commission rules), [`profile`] (a stall's bank
//!   account with its cooling-off, and tax profile), [`payouts`] (batches, one payout per
//!   stall, paid or returned), [`reading`] (balances, the ledger, statements read out in
//!   chunks, the withholding report).
//!
//! Days and months are Vietnam's ([`common::calendar`]): a withholding rate starts on a day
//! there, a statement covers a month there.
//!
//! The walk of a delivery: the order crate, in the transaction that marks the order delivered,
//! calls [`Ledger::earn`] with a [`DeliveredOrder`] (lines by category, the delivery fee, the
//! discounts with who funds each, who holds the money). It reads the stall's legal form from
//! the catalogue (`store`), the category tree ([`catalog::Catalog::categories`]) and the
//! commission rules; picks each line's rule ([`rates::choose_rule`]) and, for household
//! businesses and individuals, the withholding rate in force on the day of delivery; and
//! appends the sale, delivery, discount (`stall_discount`; `platform_discount` with its
//! `platform_funding`), cash, commission, VAT and PIT entries through the store, payable after
//! the holding period, each with the rule it applied. Commission and withholding are on the
//! goods less the stall's own discounts ([`earn`] says why). Nothing is committed by the ledger: the order and its money
//! commit together or not at all.
//!
//! The walk of `POST /api/v1/admin/payout-batches`: the gateway's route calls
//! [`Ledger::run_batch`], which checks that an administrator asks, records the batch, and pays
//! each stall with money in its own write transaction (`common::begin_write`) that locks the
//! stall's `ledger_accounts` row first: the payable sum is read under the lock, a stall below
//! the minimum, without a bank account or within its cooling-off is skipped with a
//! [`payouts::SkipReason`], and the others get a payout with its VietQR payload and its
//! `payout` entry (appended through the store) before the commit. So one earning is paid once
//! however many batches run at once.

mod access;
pub mod adjust;
pub mod cod;
pub mod csv;
pub mod earn;
pub mod entity;
pub mod kind;
pub mod payouts;
pub mod profile;
pub mod rates;
pub mod reading;
pub mod rules;
mod store;
pub mod tax;
pub mod views;

use std::sync::Arc;

use catalog::Catalog;
use chrono::Duration;

pub use cod::{Receivable, Remittance, Remitted};
pub use earn::{DeliveredOrder, Discount, PartialRefund, PartialReversal, SaleLine};
pub use kind::{EntryKind, Funder, Holder, Part, PayoutStatus};

/// The ledger's settings.
#[derive(Clone, Debug)]
pub struct Settings {
    /// How long after delivery an earning becomes payable.
    pub holding: Duration,
    /// How long after a change of bank account no payout goes to it.
    pub cooling_off: Duration,
    /// The least payable balance a batch pays out.
    pub payout_minimum: i64,
    /// How many statements may be read out at once (each holds a chunk of entries).
    pub max_concurrent_exports: usize,
    /// How long a statement waits for its turn when that many are being read, before it is
    /// refused (`exports_busy`); zero refuses at once.
    pub export_wait: std::time::Duration,
    /// Decree 117's withholding: the delivery fee's reading, the platform's identity.
    pub tax: tax::TaxSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            holding: Duration::days(7),
            cooling_off: Duration::hours(48),
            payout_minimum: 100_000,
            max_concurrent_exports: 4,
            export_wait: std::time::Duration::from_secs(5),
            tax: tax::TaxSettings::default(),
        }
    }
}

/// The ledger's use cases.
#[derive(Clone, Debug)]
pub struct Ledger {
    settings: Settings,
    /// Stall membership and categories are the catalogue's.
    catalog: Catalog,
    withholding: Arc<rates::Withholding>,
    banks: Arc<vietqr::Banks>,
    /// One permit per statement being read out.
    exports: Arc<tokio::sync::Semaphore>,
}

impl Ledger {
    /// A ledger with these settings, the shipped withholding rates and bank list, over
    /// `catalog` (stall membership, categories).
    pub fn new(settings: Settings, catalog: Catalog) -> Self {
        Self {
            catalog,
            exports: Arc::new(tokio::sync::Semaphore::new(
                settings.max_concurrent_exports.max(1),
            )),
            settings,
            withholding: Arc::new(rates::Withholding::builtin()),
            banks: Arc::new(vietqr::Banks::builtin()),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}
