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
//!
//! Each module holds its types and states (stored and read back checked), its tables, and the
//! use cases, which own authorization and transactions; identity and documents also have pure
//! rules (what a submission must be, what a stall lacks on a day) and a job each
//! ([`identity::grace`], the grace period; [`documents::expiry`], the expiry watch).
//!
//! The walk of `POST /api/v1/admin/stalls/{id}/identity/verify`: the gateway's route calls
//! [`Identities::verify`], which requires an administrator, finds the stall through
//! `catalog`'s public API and checks that its identity is still `pending`; then in one write
//! transaction (`common::begin_write`) it moves that very submission to `verified` by a
//! conditional update (a submission decided or replaced meanwhile is 409
//! `invalid_transition`), tells the catalogue the seller is verified
//! (`Catalog::set_seller_verified`), writes the audit entry and queues the owner's notice
//! through the catalogue's notifier, and answers the identity as its owner and administrators
//! read it. The other decisions (a document verified or rejected, a report taken down, a
//! takedown lifted) take the same path: one transaction with the change, its audit entry and
//! the notice.

mod access;
pub mod documents;
pub mod error;
pub mod identity;
mod links;
pub mod policies;
pub mod reports;
#[cfg(test)]
mod testing;

pub use documents::Documents;
pub use error::ComplianceError;
pub use identity::{Identities, IdentityVerifier};
pub use policies::{PendingPolicy, Policies, Policy, PolicyKind};
