//! Database entities of the promotions crate.
#![allow(missing_docs, reason = "sea-orm generates the entities' items")]

pub mod voucher;
pub mod voucher_buyer_use;
pub mod voucher_redemption;
