//! The vendors' money: what the marketplace owes each stall, what it keeps and what it
//! withholds for the tax authority, and how the stall is paid.
//!
//! - [`kind`]: entry kinds, who holds an order's money, payout statuses;
//! - [`rates`] (pure): shares rounded half up, the commission rule that applies, Decree 117's
//!   withholding rates read from `config/tax/withholding.toml`;
//! - [`entity`]: the tables; `ledger_entries` is append-only (database triggers refuse
//!   updates and deletes), so corrections are new entries;
//! - use cases: [`earn`] (a delivered order's entries and their reversal after a refund,
//!   written in the caller's transaction from plain data: the ledger knows nothing of
//!   orders), [`rules`] (commission rules), [`profile`] (a stall's bank account with its
//!   cooling-off, and tax profile), [`payouts`] (batches, one payout per stall, paid or
//!   returned), [`reading`] (balances, the ledger, statements read out in chunks, the
//!   withholding report).
//!
//! Every read and change checks who asks: a stall's money is its members' and the
//! administrators'; another user gets "not found".

mod access;
pub mod csv;
pub mod earn;
pub mod entity;
pub mod kind;
pub mod payouts;
pub mod profile;
pub mod rates;
pub mod reading;
pub mod rules;

use std::sync::Arc;

use chrono::Duration;

pub use earn::{DeliveredOrder, SaleLine};
pub use kind::{EntryKind, Holder, PayoutStatus};

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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            holding: Duration::days(7),
            cooling_off: Duration::hours(48),
            payout_minimum: 100_000,
            max_concurrent_exports: 4,
            export_wait: std::time::Duration::from_secs(5),
        }
    }
}

/// The ledger's use cases.
#[derive(Clone, Debug)]
pub struct Ledger {
    settings: Settings,
    withholding: Arc<rates::Withholding>,
    banks: Arc<vietqr::Banks>,
    /// One permit per statement being read out.
    exports: Arc<tokio::sync::Semaphore>,
}

impl Ledger {
    /// A ledger with these settings, the shipped withholding rates and bank list.
    pub fn new(settings: Settings) -> Self {
        Self {
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

impl Default for Ledger {
    fn default() -> Self {
        Self::new(Settings::default())
    }
}
