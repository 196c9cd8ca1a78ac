//! The catalogue: stalls and their members, categories, products with OCOP certificates,
//! communes, and the moderation that decides what the public sees, with every decision on record.
//!
//! Services check authorization themselves (never only the routes): a vendor touches only its
//! own stalls' products, only administrators moderate, and another user's private stall or
//! product is "not found".

pub mod audit;
pub mod category;
pub mod entity;
pub mod error;
pub mod nation;
pub mod outbox;
pub mod product;
pub mod region;
pub mod service;
pub mod stall;
pub mod stock;
#[cfg(feature = "synthetic")]
pub mod synthetic;
pub mod visibility;

pub use error::CatalogError;
pub use region::Regions;
pub use service::{Catalog, tell_stall};
