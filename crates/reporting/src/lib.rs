//! The figures the authorities ask of the floor, apart from the domains that make them:
//!
//! - [`facts`]: the trade facts, one row per delivered order line and per refund of it,
//!   written by the order's use cases in the transaction that writes the ledger's entries for
//!   the same event (so the figures reconcile with the stalls' statements);
//! - [`trade`]: the province's trade report (the Department of Industry and Trade): delivered
//!   value net of refunds and of the stalls' own discounts, orders, units, distinct buyers and
//!   active stalls, grouped by the stall's commune, the buyer's province, OCOP stars or group,
//!   category or stall, and by day, month or quarter of Vietnam's calendar; new stalls; OCOP
//!   products listed and sold by stars;
//! - [`rollup`]: the trade facts rolled up by day, month, quarter and year of each grouping,
//!   with exact distinct counts, kept with the facts: what [`trade`] reads ([`recompute`]
//!   computes the same straight from the facts);
//! - [`sellers`]: the tax office's quarterly report of every selling stall (Decree 91/2022,
//!   amending Decree 126/2020), with its identity and its revenue from the ledger.
//!
//! Reads of the other domains go through their public lookups (`catalog::lookup`) and their
//! published entities (the ledger's entries and tax profiles, the verified seller identity):
//! a report is a read model over them and never writes them.

pub mod entity;
pub mod facts;
mod labels;
pub mod recompute;
pub mod rollup;
pub mod sellers;
pub mod trade;

use common::{Actor, Error, Result};

/// Administrators only: the reports carry every stall's money and identity.
fn admin(actor: &Actor) -> Result<()> {
    actor.require_user()?;
    if !actor.is_admin() {
        return Err(Error::forbidden(
            "Only administrators read the reports to the authorities.",
        ));
    }
    Ok(())
}
