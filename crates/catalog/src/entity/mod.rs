//! Database entities of the catalogue.
#![allow(missing_docs, reason = "sea-orm generates the entities' items")]

pub mod audit_log;
pub mod category;
pub mod product;
pub mod product_variant;
pub mod sale_boundary_pass;
pub mod search_outbox;
pub mod stall;
pub mod stall_member;
