//! HTTP tests of the gateway, driven through the router as a client would, on SQLite and
//! PostgreSQL. One test binary, so it links once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly where its expectation breaks"
)]

mod auth;
mod backup;
mod bank;
mod buyer_events;
mod carrier_tax_bounds;
mod carts;
mod cases;
mod catalog;
mod cli;
mod cod_remittances;
mod conform;
mod delivery;
mod documents;
mod erasure;
mod errors;
mod examples;
mod facts;
mod figures;
mod fuzz;
mod hostile;
mod identity;
mod instances;
mod matrix;
mod media;
mod money;
mod money_discounts;
mod notify;
mod ops;
mod orders;
mod payments;
mod personal;
mod policies;
mod queues;
mod rate_limit;
mod ratings;
mod reports;
mod reviews;
mod rollups;
mod sales;
mod search;
mod shipments;
mod stall_carriers;
mod support;
mod variants;
mod vendor_money;
mod vouchers;
mod withholding;
mod withholding_spans;
