//! What the E-commerce Law (in force since 1 July 2026), Decree 52/2013 as amended by Decree
//! 85/2021 and the Personal Data Protection Law ask of the trading floor, beside the commerce
//! itself.
//!
//! This crate is the floor's compliance office. It knows the catalogue (stalls, products) only
//! through `catalog`'s public API: where the catalogue must enforce a fact of compliance (a
//! stall without a verified seller may not be approved, a product whose stall lacks a document
//! its category requires is not shown), this crate tells the catalogue the fact and the
//! catalogue enforces it. It never writes the catalogue's tables.
//!
//! Modules: [`policies`] (the published policies, their versions, and what users must accept
//! before ordering; the consents themselves are the accounts crate's), [`identity`] (the
//! seller's identity, its check behind [`IdentityVerifier`], and the grace period of the
//! stalls that sold before it was required), [`reports`] (reports of listings, authority
//! requests, takedowns and their reviews), [`documents`] (the stalls' business documents: their
//! kinds and which categories require which, as data; their check; the watch on their expiry),
//! [`error`].

pub mod documents;
pub mod error;
pub mod identity;
pub mod policies;
pub mod reports;

pub use documents::Documents;
pub use error::ComplianceError;
pub use identity::{Identities, IdentityVerifier};
pub use policies::{PendingPolicy, Policies, Policy, PolicyKind};
