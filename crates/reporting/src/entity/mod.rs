//! The reports' own table: [`trade_fact`].

pub mod trade_fact;
