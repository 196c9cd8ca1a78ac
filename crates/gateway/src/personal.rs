//! A user's personal data across the marketplace: the register saying what every column of the
//! schema holds about a user ([`register`]), the user's export ([`export`]) and erasure
//! ([`erase`]), and the retention periods a job enforces ([`retention`]).
//!
//! This lives in the gateway because it is the one crate that depends on every domain crate
//! holding personal data (accounts, catalog, order, ledger, notify, compliance); none of them
//! may depend on another to compose an export or an erasure.

pub mod erase;
pub mod export;
pub mod register;
pub mod retention;
