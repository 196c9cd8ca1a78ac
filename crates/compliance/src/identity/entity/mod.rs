//! The tables of seller identity: [`seller_identity`] (one identity per stall) and
//! [`identity_grace`] (the grace periods of stalls that sold before the rule).

pub mod identity_grace;
pub mod seller_identity;
