//! The carriers' tables.
#![allow(missing_docs, reason = "sea-orm generates the entities' items")]

pub mod stall_carrier;
