//! Promotions: vouchers funded by the platform (made by administrators) or by a stall (made by
//! its owner, valid only on its goods), and the discounts they give at checkout.
//!
//! Layers, each using only those above it:
//! - [`voucher`]: kinds, funders, what creators send and read, and the rules a voucher must
//!   meet (the 50 % cap of Decree 81/2018, Art. 7, unless concentrated); [`entity`] (the
//!   tables);
//! - [`discount`]: the pure arithmetic of a checkout's discounts: order of application, the
//!   cap at checkout, the split across orders by largest remainder;
//! - use cases: [`service`] (creating, changing and reading vouchers) and [`redeem`] (at
//!   checkout, in its transaction: checking the codes, counting and giving back uses).
//!
//! The order crate calls [`Vouchers::discounts`] and [`Vouchers::redeem`] with plain data
//! (each order's lines and delivery fee) and keeps what comes back on its orders; it gives a
//! use back through [`redeem::release`] when the orders a voucher discounted are cancelled.

pub mod discount;
pub mod entity;
pub mod redeem;
pub mod service;
pub mod voucher;

pub use discount::{BasketLine, BasketOrder, OrderDiscount};
pub use service::Vouchers;
pub use voucher::{FundedBy, NewVoucher, Voucher, VoucherKind, VoucherPatch};
