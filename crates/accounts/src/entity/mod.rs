//! Database entities of the accounts crate.
#![allow(missing_docs, reason = "sea-orm generates the entities' items")]

pub mod account_token;
pub mod consent;
pub mod session;
pub mod user;
