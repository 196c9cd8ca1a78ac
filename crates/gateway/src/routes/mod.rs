//! HTTP handlers, one module per resource.

pub mod addresses;
pub mod admin;
pub mod auth;
pub mod catalog;
pub mod me;
pub mod money;
pub mod ops;
pub mod orders;
pub mod payments;
pub mod regions;
pub mod search;
