//! The ledger's tables.
#![allow(missing_docs, reason = "sea-orm generates the entities' items")]

pub mod bank_account;
pub mod commission_rule;
pub mod entry;
pub mod ledger_account;
pub mod payout;
pub mod payout_batch;
pub mod tax_period;
pub mod tax_period_seller;
pub mod tax_profile;
pub mod withholding_certificate;
pub mod withholding_span_certificate;
