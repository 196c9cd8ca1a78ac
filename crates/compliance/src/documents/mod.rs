//! Business documents of a stall (business registration, food-safety certificate, alcohol
//! licence, ...): their kinds and which categories require which, as data
//! (config/compliance/documents.toml), and the rule of what a stall lacks on a given day.

pub mod rules;

pub use rules::{DocumentKind, DocumentRules, Held};
